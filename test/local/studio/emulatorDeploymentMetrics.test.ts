import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createDeploymentMetricsSource, deploymentMetricsSchema, isAzureMlError } from '../../../src/clients/azureml';
import {
    EmulatorDeploymentMetrics,
    registerEmulatorDeploymentMetrics,
} from '../../../src/local/studio/emulatorDeploymentMetrics';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { ScriptedServer } from '../../clients/scriptedServer';
import { FEATURES, KEYS } from './kit';
import { API, ENVIRONMENT, LOCATION, V2, V2Kit, WS_PATH, churnCsv, featureRows, startV2Kit, until } from './v2/kit';

const EP = 'live-ep';

describe('EmulatorDeploymentMetrics against the studio emulator over HTTP', () => {
    let kit: V2Kit;
    let source: EmulatorDeploymentMetrics;
    let score: (headers?: Record<string, string>) => Promise<number>;

    before(async () => {
        kit = await startV2Kit();
        source = new EmulatorDeploymentMetrics(kit.url, V2, new EmulatorCredential(KEYS.armSecret));
        const data = await kit.upload('canonical/live.csv', await churnCsv(400, 5));
        await kit.arm('PUT', `${WS_PATH}/jobs/live-train?${API}`, {
            properties: {
                jobType: 'Command',
                command: 'python train.py --data ${{inputs.training_data}}',
                environmentId: ENVIRONMENT,
                inputs: { training_data: { jobInputType: 'uri_file', uri: data } },
            },
        });
        const job = await until('live-train', async () => {
            const r = await kit.arm('GET', `${WS_PATH}/jobs/live-train?${API}`);
            return ['Completed', 'Failed'].includes(r.body.properties.status) ? r : undefined;
        });
        assert.equal(job.body.properties.status, 'Completed');
        const mv = await kit.arm('PUT', `${WS_PATH}/models/churn/versions/1?${API}`, {
            properties: { modelUri: job.body.properties.outputs.model.uri },
        });
        assert.equal(mv.status, 201);
        const ep = `${WS_PATH}/onlineEndpoints/${EP}`;
        const settle = async (reply: { status: number; headers: Headers; body: unknown }): Promise<string> => {
            assert.ok(reply.status < 300, JSON.stringify(reply.body));
            const url = new URL(reply.headers.get('azure-asyncoperation')!);
            return until('operation', async () => {
                const r = await kit.arm('GET', url.pathname + url.search);
                return r.body.status === 'InProgress' ? undefined : (r.body.status as string);
            });
        };
        const endpoint = (traffic: Record<string, number>) => ({
            location: LOCATION,
            properties: { authMode: 'Key', traffic },
        });
        assert.equal(await settle(await kit.arm('PUT', `${ep}?${API}`, endpoint({}))), 'Succeeded');
        for (const d of ['blue', 'green']) {
            const put = await kit.arm('PUT', `${ep}/deployments/${d}?${API}`, {
                location: LOCATION,
                properties: { endpointComputeType: 'Managed', model: 'azureml:churn:1' },
            });
            assert.equal(await settle(put), 'Succeeded');
        }
        assert.equal(
            await settle(await kit.arm('PUT', `${ep}?${API}`, endpoint({ blue: 100, green: 0 }))),
            'Succeeded',
        );
        const key: string = (await kit.arm('POST', `${ep}/listKeys?${API}`)).body.primaryKey;
        const scoringUri: string = (await kit.arm('GET', `${ep}?${API}`)).body.properties.scoringUri;
        const rows = await featureRows(2);
        score = async (headers = {}) => {
            const r = await fetch(scoringUri, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
                body: JSON.stringify({ input_data: { columns: FEATURES, data: rows } }),
            });
            await r.arrayBuffer();
            return r.status;
        };
    });
    after(() => kit.close());

    /** The next millisecond after now: a boundary no earlier call can fall on or after. */
    const boundary = async (): Promise<number> => {
        const at = Date.now() + 1;
        await until('the clock to pass the boundary', () => Promise.resolve(Date.now() >= at ? true : undefined));
        return at;
    };

    it("reads one deployment's requests, errors and latency over a window, and nothing outside it", async () => {
        const t0 = await boundary();
        for (let i = 0; i < 4; i++) assert.equal(await score({ 'azureml-model-deployment': 'green' }), 200);
        kit.studio.faults.set(`${EP}/green`, { scoringFails: 'injected: model crashed' });
        for (let i = 0; i < 2; i++) assert.equal(await score({ 'azureml-model-deployment': 'green' }), 500);
        kit.studio.faults.clear(`${EP}/green`);
        // Traffic by weight goes to blue only (green has 0%): it must not count for green.
        for (let i = 0; i < 3; i++) assert.equal(await score(), 200);
        const t1 = await boundary();
        kit.studio.faults.set(`${EP}/green`, { scoringDelayInMs: 60 });
        assert.equal(await score({ 'azureml-model-deployment': 'green' }), 200);
        kit.studio.faults.clear(`${EP}/green`);
        const t2 = await boundary();

        const first = await source.read({ endpoint: EP, deployment: 'green', fromMs: t0, toMs: t1 });
        assert.equal(first.requests, 6);
        assert.equal(first.errors, 2);
        assert.ok(first.latencyAvgInMs! >= 0 && first.latencyMaxInMs! >= first.latencyAvgInMs!, JSON.stringify(first));

        const slow = await source.read({ endpoint: EP, deployment: 'green', fromMs: t1, toMs: t2 });
        assert.equal(slow.requests, 1);
        assert.equal(slow.errors, 0);
        // Injected delay is a lower bound of what the emulator measured (the machine may add more).
        assert.ok(slow.latencyMaxInMs! >= 55 && slow.latencyAvgInMs === slow.latencyMaxInMs, JSON.stringify(slow));

        const blue = await source.read({ endpoint: EP, deployment: 'blue', fromMs: t0, toMs: t2 });
        assert.deepEqual({ requests: blue.requests, errors: blue.errors }, { requests: 3, errors: 0 });

        assert.deepEqual(await source.read({ endpoint: EP, deployment: 'green', fromMs: t2, toMs: t2 + 60_000 }), {
            requests: 0,
            errors: 0,
        });
    });

    it('fails with the status for an unknown deployment or a token the emulator does not accept, and refuses an empty window', async () => {
        const now = Date.now();
        await assert.rejects(
            source.read({ endpoint: EP, deployment: 'nope', fromMs: now - 1000, toMs: now }),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 404,
        );
        const wrong = new EmulatorDeploymentMetrics(kit.url, V2, new EmulatorCredential('not-the-token-secret'));
        await assert.rejects(
            wrong.read({ endpoint: EP, deployment: 'green', fromMs: now - 1000, toMs: now }),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 401,
        );
        await assert.rejects(source.read({ endpoint: EP, deployment: 'green', fromMs: now, toMs: now }), RangeError);
        assert.equal(JSON.stringify(source).includes(KEYS.armSecret), false);
    });

    it('answers 400 naming the problem for a bad window on the counters route', async () => {
        const base = `${kit.url}/_studio/azureml/${V2.subscriptionId}/${V2.resourceGroup}/${V2.workspace}/onlineEndpoints/${EP}/deployments/green/metrics`;
        const get = async (query: string) => {
            const r = await fetch(`${base}${query}`, { headers: { 'x-studio-admin-key': KEYS.admin } });
            return { status: r.status, text: await r.text() };
        };
        assert.match((await get('?from=1000')).text, /'to' must be epoch milliseconds/);
        assert.equal((await get('?from=1000')).status, 400);
        assert.match((await get('?from=abc&to=2000')).text, /'from' must be epoch milliseconds/);
        assert.match((await get('?from=2000&to=2000')).text, /'to' must be after 'from'/);
        const cumulative = await get('');
        assert.equal(cumulative.status, 200);
        assert.ok(!('truncated' in (JSON.parse(cumulative.text) as object)));
    });

    it('is the source the config kind `emulator` builds once the offline stack registered it', async () => {
        registerEmulatorDeploymentMetrics();
        const spec = { kind: 'emulator', studioUrl: kit.url };
        assert.ok(deploymentMetricsSchema.safeParse(spec).success);
        const issues = (deploymentMetricsSchema.safeParse({ ...spec, adminKey: 'X' }).error?.issues ?? []).map(
            (i) => `${i.path.join('.')}: ${i.message}`,
        );
        assert.deepEqual(issues, ['adminKey: unknown key']);
        const built = createDeploymentMetricsSource(deploymentMetricsSchema.parse(spec), {
            workspace: V2,
            credential: new EmulatorCredential(KEYS.armSecret),
            setting: (name) => assert.fail(`unexpected setting ${name}`),
        });
        const t0 = await boundary();
        assert.equal(await score({ 'azureml-model-deployment': 'blue' }), 200);
        const t1 = await boundary();
        assert.equal((await built.read({ endpoint: EP, deployment: 'blue', fromMs: t0, toMs: t1 })).requests, 1);

        // Or with the studio's admin key, when the config names the setting that holds it.
        const withKey = createDeploymentMetricsSource(
            deploymentMetricsSchema.parse({ ...spec, adminKeySetting: 'STUDIO_ADMIN_KEY' }),
            {
                workspace: V2,
                credential: { getToken: () => assert.fail('the admin key is used, not a token') },
                setting: (name) =>
                    name === 'STUDIO_ADMIN_KEY' ? KEYS.admin : assert.fail(`unexpected setting ${name}`),
            },
        );
        assert.equal((await withKey.read({ endpoint: EP, deployment: 'blue', fromMs: t0, toMs: t1 })).requests, 1);
        const wrongKey = new EmulatorDeploymentMetrics(kit.url, V2, { adminKey: 'not-the-admin-key' });
        await assert.rejects(
            wrongKey.read({ endpoint: EP, deployment: 'blue', fromMs: t0, toMs: t1 }),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 401,
        );
    });
});

describe('EmulatorDeploymentMetrics on a window the emulator no longer holds in full', () => {
    it('fails rather than reading a partial count', async () => {
        const server = await ScriptedServer.start();
        try {
            const source = new EmulatorDeploymentMetrics(server.url, V2, new EmulatorCredential(KEYS.armSecret));
            server.script({
                status: 200,
                body: {
                    requests: 3,
                    errors: 0,
                    clientErrors: 0,
                    latencySumInMs: 3,
                    latencyMaxInMs: 1,
                    fromMs: 1,
                    toMs: 2,
                    truncated: true,
                },
            });
            await assert.rejects(
                source.read({ endpoint: EP, deployment: 'green', fromMs: 1, toMs: 2 }),
                (err: unknown) => isAzureMlError(err) && err.code === 'WindowTruncated',
            );
            const r = server.requests[0];
            assert.match(String(r.headers.authorization), /^Bearer studio\.\d+\./);
            assert.equal(
                r.url,
                `/_studio/azureml/${V2.subscriptionId}/${V2.resourceGroup}/${V2.workspace}/onlineEndpoints/${EP}/deployments/green/metrics?from=1&to=2`,
            );
        } finally {
            await server.close();
        }
    });
});
