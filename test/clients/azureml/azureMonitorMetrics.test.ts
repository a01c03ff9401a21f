import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { AccessToken, TokenCredential } from '@azure/core-auth';

import {
    AzureMonitorDeploymentMetrics,
    createDeploymentMetricsSource,
    deploymentMetricsSchema,
    isAzureMlError,
} from '../../../src/clients/azureml';
import { RecordedRequest, ScriptedServer } from '../scriptedServer';

const WS = { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroup: 'rg-live', workspace: 'ws-live' };
const ENDPOINT_ID = `/subscriptions/${WS.subscriptionId}/resourceGroups/rg-live/providers/Microsoft.MachineLearningServices/workspaces/ws-live/onlineEndpoints/churn-online`;
const NAMESPACE = 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints';
const FROM = Date.UTC(2026, 10, 30, 5, 0, 0);
const TO = Date.UTC(2026, 10, 30, 5, 3, 0);
const minute = (i: number): string => new Date(FROM + i * 60_000).toISOString();
const TOKEN = 'fake-aad-token-not-a-secret';

/** Azure AD is the one thing mocked: a credential that hands out a fixed token and records the scopes asked for. */
class FakeAadCredential implements TokenCredential {
    readonly scopes: string[] = [];
    getToken(scopes: string | string[]): Promise<AccessToken> {
        this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return Promise.resolve({ token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 });
    }
}

/** One resource's answer in the metrics batch format (names as the service sends them: value plus localizedValue). */
function batch(metric: string, localized: string, unit: string, timeseries: unknown[], extra: object = {}): unknown {
    return {
        values: [
            {
                starttime: new Date(FROM).toISOString(),
                endtime: new Date(TO).toISOString(),
                interval: 'PT1M',
                namespace: NAMESPACE,
                resourceregion: 'westeurope',
                resourceid: ENDPOINT_ID,
                value: [
                    {
                        id: `${ENDPOINT_ID}/providers/Microsoft.Insights/metrics/${metric}`,
                        type: 'Microsoft.Insights/metrics',
                        name: { value: metric, localizedValue: localized },
                        displayDescription: '',
                        errorCode: 'Success',
                        unit,
                        timeseries,
                        ...extra,
                    },
                ],
            },
        ],
    };
}

const dims = (deployment: string, statusClass?: string) => [
    { name: { value: 'deployment', localizedValue: 'deployment' }, value: deployment },
    ...(statusClass
        ? [{ name: { value: 'statuscodeclass', localizedValue: 'statusCodeClass' }, value: statusClass }]
        : []),
];

function requestsAnswer(): unknown {
    return batch('RequestsPerMinute', 'Requests Per Minute', 'Count', [
        {
            metadatavalues: dims('green', '2xx'),
            data: [
                { timeStamp: minute(0), total: 10 },
                { timeStamp: minute(1), total: 30 },
                { timeStamp: minute(2), total: 0 },
            ],
        },
        { metadatavalues: dims('green', '4xx'), data: [{ timeStamp: minute(1), total: 2 }] },
        {
            metadatavalues: dims('green', '5xx'),
            data: [
                { timeStamp: minute(0), total: 0 },
                { timeStamp: minute(1), total: 3 },
            ],
        },
    ]);
}

function latencyAnswer(): unknown {
    return batch('RequestLatency', 'Request Latency', 'MilliSeconds', [
        {
            metadatavalues: dims('green'),
            data: [
                { timeStamp: minute(0), average: 100, maximum: 120 },
                { timeStamp: minute(1), average: 200, maximum: 260 },
                { timeStamp: minute(2) },
            ],
        },
    ]);
}

function query(r: RecordedRequest): URLSearchParams {
    return new URL(r.url, 'http://x').searchParams;
}

describe('AzureMonitorDeploymentMetrics against a scripted Azure Monitor metrics batch API', () => {
    let server: ScriptedServer;
    let credential: FakeAadCredential;
    let source: AzureMonitorDeploymentMetrics;
    before(async () => {
        server = await ScriptedServer.start();
        credential = new FakeAadCredential();
        source = new AzureMonitorDeploymentMetrics(WS, credential, { endpoint: server.url, maxRetries: 0 });
    });
    after(() => server.close());

    it("queries the endpoint's RequestsPerMinute by statusCodeClass and its RequestLatency for one deployment", async () => {
        server.script({ status: 200, body: requestsAnswer() }, { status: 200, body: latencyAnswer() });
        const metrics = await source.read({ endpoint: 'churn-online', deployment: 'green', fromMs: FROM, toMs: TO });

        assert.equal(server.requests.length, 2);
        for (const r of server.requests) {
            assert.equal(r.method, 'POST');
            assert.equal(new URL(r.url, 'http://x').pathname, `/subscriptions/${WS.subscriptionId}/metrics:getBatch`);
            assert.deepEqual(JSON.parse(r.body), { resourceids: [ENDPOINT_ID] });
            assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
            assert.match(String(r.headers['content-type']), /^application\/json/);
            const q = query(r);
            assert.equal(q.get('api-version'), '2024-02-01');
            assert.equal(q.get('metricnamespace'), NAMESPACE);
            assert.equal(q.get('starttime'), new Date(FROM).toISOString());
            assert.equal(q.get('endtime'), new Date(TO).toISOString());
            assert.equal(q.get('interval'), 'PT1M');
        }
        const [counts, latency] = server.requests.map(query);
        assert.equal(counts.get('metricnames'), 'RequestsPerMinute');
        assert.equal(counts.get('aggregation'), 'total');
        assert.equal(counts.get('filter'), "deployment eq 'green' and statusCodeClass eq '*'");
        assert.equal(latency.get('metricnames'), 'RequestLatency');
        assert.equal(latency.get('aggregation'), 'average,maximum');
        assert.equal(latency.get('filter'), "deployment eq 'green'");
        assert.ok(credential.scopes.length > 0);
        assert.ok(
            credential.scopes.every((s) => s === 'https://management.azure.com/.default'),
            credential.scopes.join(),
        );

        // 45 requests, 3 of them 5xx (4xx are the caller's); latency weighted by each minute's requests:
        // minute 0: 10 requests at 100 ms, minute 1: 35 at 200 ms -> (1000 + 7000) / 45.
        assert.equal(metrics.requests, 45);
        assert.equal(metrics.errors, 3);
        assert.ok(Math.abs(metrics.latencyAvgInMs! - 8000 / 45) < 1e-9, String(metrics.latencyAvgInMs));
        assert.equal(metrics.latencyMaxInMs, 260);
    });

    it('reads an idle deployment as zero requests and no latency', async () => {
        server.script(
            {
                status: 200,
                body: batch('RequestsPerMinute', 'Requests Per Minute', 'Count', [
                    { metadatavalues: [], data: [{ timeStamp: minute(0), total: 0 }] },
                ]),
            },
            { status: 200, body: batch('RequestLatency', 'Request Latency', 'MilliSeconds', []) },
        );
        const metrics = await source.read({ endpoint: 'churn-online', deployment: 'blue', fromMs: FROM, toMs: TO });
        assert.deepEqual(metrics, { requests: 0, errors: 0 });
    });

    it('fails when Azure Monitor reports an error for the metric, rather than reading it as no traffic', async () => {
        server.script({
            status: 200,
            body: batch('RequestsPerMinute', 'Requests Per Minute', 'Count', [], {
                errorCode: 'InvalidDimension',
                errorMessage: 'Dimension statusCodeClass is not valid',
            }),
        });
        await assert.rejects(
            source.read({ endpoint: 'churn-online', deployment: 'green', fromMs: FROM, toMs: TO }),
            (err: unknown) => isAzureMlError(err) && /RequestsPerMinute.*InvalidDimension/.test(err.message),
        );
    });

    it('turns an HTTP error into an AzureMlError with the status and code, without the token', async () => {
        server.script({
            status: 403,
            body: {
                error: {
                    code: 'AuthorizationFailed',
                    message: 'The client does not have authorization to read metrics.',
                },
            },
        });
        await assert.rejects(
            source.read({ endpoint: 'churn-online', deployment: 'green', fromMs: FROM, toMs: TO }),
            (err: unknown) =>
                isAzureMlError(err) &&
                err.statusCode === 403 &&
                err.code === 'AuthorizationFailed' &&
                !err.retryable &&
                !err.message.includes(TOKEN),
        );
    });

    it('refuses an empty or inverted window before any request', async () => {
        server.script();
        await assert.rejects(
            source.read({ endpoint: 'churn-online', deployment: 'green', fromMs: TO, toMs: TO }),
            RangeError,
        );
        await assert.rejects(
            source.read({ endpoint: 'churn-online', deployment: 'green', fromMs: TO, toMs: FROM }),
            RangeError,
        );
        assert.equal(server.requests.length, 0);
    });

    it('stops waiting when the caller aborts', async () => {
        server.script({ status: 200, body: requestsAnswer(), delayInMs: 5_000 });
        const controller = new AbortController();
        const read = source.read(
            { endpoint: 'churn-online', deployment: 'green', fromMs: FROM, toMs: TO },
            { abortSignal: controller.signal },
        );
        await server.received(1);
        controller.abort();
        await assert.rejects(read, (err: unknown) => isAzureMlError(err) && !err.retryable);
    });
});

describe('the live-metrics config kinds', () => {
    it('accepts azureMonitor with a region or an endpoint, and names what is wrong otherwise', () => {
        assert.ok(deploymentMetricsSchema.safeParse({ kind: 'azureMonitor', region: 'westeurope' }).success);
        assert.ok(
            deploymentMetricsSchema.safeParse({
                kind: 'azureMonitor',
                endpoint: 'https://westeurope.metrics.monitor.azure.com',
            }).success,
        );
        const issues = (value: unknown) =>
            (deploymentMetricsSchema.safeParse(value).error?.issues ?? []).map(
                (i) => `${i.path.join('.')}: ${i.message}`,
            );
        assert.deepEqual(issues({ kind: 'azureMonitor' }), [': needs exactly one of region or endpoint']);
        assert.deepEqual(issues({ kind: 'azureMonitor', region: 'westeurope', colour: 'blue' }), [
            'colour: unknown key',
        ]);
        assert.match(
            issues({ kind: 'azureMonitor', region: 'West Europe' }).join(),
            /^region: must be an Azure region/,
        );
        assert.match(
            issues({ kind: 'prometheus' }).join(),
            /^kind: unknown live-metrics kind 'prometheus' \(known: azureMonitor/,
        );
    });

    it('builds the Azure Monitor source a config names, with the target credential', async () => {
        const server = await ScriptedServer.start();
        try {
            const credential = new FakeAadCredential();
            const source = createDeploymentMetricsSource(
                { kind: 'azureMonitor', endpoint: server.url },
                { workspace: WS, credential, setting: () => assert.fail('no setting is needed') },
            );
            server.script({ status: 200, body: requestsAnswer() }, { status: 200, body: latencyAnswer() });
            const metrics = await source.read({
                endpoint: 'churn-online',
                deployment: 'green',
                fromMs: FROM,
                toMs: TO,
            });
            assert.equal(metrics.requests, 45);
            assert.equal(server.requests[0].headers.authorization, `Bearer ${TOKEN}`);
        } finally {
            await server.close();
        }
    });
});
