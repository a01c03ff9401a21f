import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AzureMlSpec } from '../../../../src/local/studio/v2/spec';
import { FEATURES, KEYS } from '../kit';
import { API, ENVIRONMENT, LOCATION, V2Kit, WS_PATH, churnCsv, featureRows, startV2Kit, until } from './kit';

type AnyJson = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const spec = AzureMlSpec.load();

/** Asserts a raw reply is one the spec allows for that operation (status, and body shape). */
function conforms(operationId: string, reply: { status: number; body: unknown }): void {
    assert.deepEqual(
        spec.validateResponse(operationId, reply.status, reply.body),
        [],
        `${operationId} ${reply.status}`,
    );
}

function jobBody(data: string, extra: Record<string, unknown> = {}): AnyJson {
    return {
        properties: {
            jobType: 'Command',
            command: 'python train.py --data ${{inputs.training_data}}',
            environmentId: ENVIRONMENT,
            inputs: { training_data: { jobInputType: 'uri_file', uri: data } },
            ...extra,
        },
    };
}

describe('studio Azure ML v2 surface over raw HTTP', () => {
    let kit: V2Kit;
    let stateDir: string;
    let data = '';
    before(async () => {
        stateDir = await mkdtemp(path.join(tmpdir(), 'studio-v2-'));
        kit = await startV2Kit({ stateDir });
        data = await kit.upload('canonical/churn.csv', await churnCsv(500, 21));
    });
    after(async () => {
        await kit.close();
        await rm(stateDir, { recursive: true, force: true });
    });

    it('answers the ARM way to a missing api-version, a missing token, an unknown workspace', async () => {
        const noVersion = await kit.arm('GET', `${WS_PATH}/jobs/x`);
        assert.equal(noVersion.status, 400);
        assert.equal(noVersion.body.error.code, 'InvalidApiVersionParameter');
        assert.match(noVersion.body.error.message, /2022-10-01/);
        const anonymous = await fetch(`${kit.url}${WS_PATH}/jobs/x?${API}`);
        assert.equal(anonymous.status, 401);
        const elsewhere = await kit.arm('GET', `${WS_PATH.replace('ws-v2', 'other-ws')}/jobs/x?${API}`);
        conforms('Jobs_Get', elsewhere);
        assert.equal(elsewhere.status, 404);
    });

    it('rejects bodies and names the spec does not allow, naming each problem', async () => {
        const put = (name: string, body: unknown) => kit.arm('PUT', `${WS_PATH}/jobs/${name}?${API}`, body);
        const cases: [string, unknown, RegExp][] = [
            ['j1', { properties: { command: 'x', environmentId: ENVIRONMENT } }, /jobType/],
            ['j2', jobBody(data, { unexpected: true }), /additional properties 'unexpected'/],
            ['j3', jobBody(data, { jobType: 'Sweep' }), /required property/],
            [
                'j4',
                {
                    properties: {
                        ...jobBody(data).properties,
                        inputs: { training_data: { jobInputType: 'uri_file' } },
                    },
                },
                /'uri'/,
            ],
            ['bad.name', jobBody(data), /path parameter id/],
            [
                'j5',
                jobBody(data, { environmentId: 'azureml:unknown:1' }),
                /Environment 'azureml:unknown:1' does not exist/,
            ],
            ['j6', jobBody('https://elsewhere.example/data.csv'), /not a datastore URI/],
        ];
        for (const [name, body, pattern] of cases) {
            const r = await put(name, body);
            conforms('Jobs_CreateOrUpdate', r);
            assert.equal(r.status, 400, name);
            assert.equal(r.body.error.code, 'UserError');
            assert.match(r.body.error.message, pattern, name);
        }
    });

    it('runs a command job with the real training and writes the model and metrics as its outputs', async () => {
        const created = await kit.arm('PUT', `${WS_PATH}/jobs/train-1?${API}`, jobBody(data));
        conforms('Jobs_CreateOrUpdate', created);
        assert.equal(created.status, 201);
        assert.equal(created.body.properties.status, 'NotStarted');
        const done = await until('train-1', async () => {
            const r = await kit.arm('GET', `${WS_PATH}/jobs/train-1?${API}`);
            conforms('Jobs_Get', r);
            return ['Completed', 'Failed'].includes(r.body.properties.status) ? r : undefined;
        });
        assert.equal(done.body.properties.status, 'Completed');
        const modelUri: string = done.body.properties.outputs.model.uri;
        assert.equal(modelUri, 'azureml://datastores/workspaceblobstore/paths/azureml/train-1/model/');
        const metrics = JSON.parse(
            (
                await kit.datastore.getBlockBlobClient('azureml/train-1/metrics/metrics.json').downloadToBuffer()
            ).toString(),
        );
        assert.ok(metrics.AUC > 0.5);
        const model = await kit.datastore.getBlockBlobClient('azureml/train-1/model/model.ilearner').getProperties();
        assert.ok((model.contentLength ?? 0) > 0);

        // The same definition again is the same job (200, nothing re-run); a different one is refused.
        const again = await kit.arm('PUT', `${WS_PATH}/jobs/train-1?${API}`, jobBody(data));
        conforms('Jobs_CreateOrUpdate', again);
        assert.equal(again.status, 200);
        assert.equal(again.body.properties.status, 'Completed');
        const other = await kit.arm(
            'PUT',
            `${WS_PATH}/jobs/train-1?${API}`,
            jobBody(data, { command: 'python other.py' }),
        );
        assert.equal(other.status, 400);
        assert.equal(kit.logs.filter((l) => l.includes('azureml job train-1 completed')).length, 1);

        const mv = await kit.arm('PUT', `${WS_PATH}/models/churn/versions/1?${API}`, {
            properties: { modelUri, jobName: 'train-1' },
        });
        conforms('ModelVersions_CreateOrUpdate', mv);
        assert.equal(mv.status, 201);
        const changed = await kit.arm('PUT', `${WS_PATH}/models/churn/versions/1?${API}`, {
            properties: { modelUri: `${modelUri}x/` },
        });
        assert.equal(changed.status, 400);
        assert.match(changed.body.error.message, /modelUri cannot change/);
    });

    it('creates an endpoint as an async operation; a second change while it runs is a 409; a restart finishes it', async () => {
        kit.studio.faults.set('slow-ep', { v2OperationDurationInMs: 600_000 });
        const put = await kit.arm('PUT', `${WS_PATH}/onlineEndpoints/slow-ep?${API}`, {
            location: LOCATION,
            properties: { authMode: 'Key' },
        });
        conforms('OnlineEndpoints_CreateOrUpdate', put);
        assert.equal(put.status, 201);
        assert.equal(put.body.properties.provisioningState, 'Creating');
        assert.equal(put.body.properties.keys, null);
        const opUrl = put.headers.get('azure-asyncoperation')!;
        assert.match(opUrl, /\/locations\/westeurope\/mfeOperationsStatus\/[0-9a-f-]+\?api-version=2022-10-01$/);
        const status = await kit.arm('GET', new URL(opUrl).pathname + new URL(opUrl).search);
        assert.equal(status.status, 200);
        assert.equal(status.body.status, 'InProgress');
        const second = await kit.arm('PUT', `${WS_PATH}/onlineEndpoints/slow-ep?${API}`, {
            location: LOCATION,
            properties: { authMode: 'Key' },
        });
        conforms('OnlineEndpoints_CreateOrUpdate', second);
        assert.equal(second.status, 409);

        // The operation is persisted InProgress; the next process resumes it (without the fault).
        await kit.close();
        kit = await startV2Kit({ stateDir, datastoreName: kit.datastore.containerName });
        const finished = await until('endpoint operation', async () => {
            const r = await kit.arm('GET', new URL(opUrl).pathname + new URL(opUrl).search);
            return r.body.status === 'InProgress' ? undefined : r;
        });
        assert.equal(finished.body.status, 'Succeeded');
        const ep = await kit.arm('GET', `${WS_PATH}/onlineEndpoints/slow-ep?${API}`);
        conforms('OnlineEndpoints_Get', ep);
        assert.equal(ep.body.properties.provisioningState, 'Succeeded');
    });

    it('enforces the traffic rules on endpoint PUTs and deployment deletes', async () => {
        const ep = `${WS_PATH}/onlineEndpoints/slow-ep`;
        const model = `${WS_PATH}/models/churn/versions/1`;
        const settle = async (reply: { headers: Headers }) => {
            const url = new URL(reply.headers.get('azure-asyncoperation')!);
            return until('operation', async () => {
                const r = await kit.arm('GET', url.pathname + url.search);
                return r.body.status === 'InProgress' ? undefined : (r.body.status as string);
            });
        };
        const deployment = {
            location: LOCATION,
            sku: { name: 'Default', capacity: 1 },
            properties: { endpointComputeType: 'Managed', model, instanceType: 'Standard_DS3_v2' },
        };
        const blue = await kit.arm('PUT', `${ep}/deployments/blue?${API}`, deployment);
        conforms('OnlineDeployments_CreateOrUpdate', blue);
        assert.equal(blue.status, 201);
        assert.equal(blue.body.properties.provisioningState, 'Creating');
        assert.equal(await settle(blue), 'Succeeded');
        const unknownModel = await kit.arm('PUT', `${ep}/deployments/red?${API}`, {
            ...deployment,
            properties: { ...deployment.properties, model: `${WS_PATH}/models/churn/versions/9` },
        });
        assert.equal(unknownModel.status, 400);
        const kubernetes = await kit.arm('PUT', `${ep}/deployments/red?${API}`, {
            ...deployment,
            properties: { ...deployment.properties, endpointComputeType: 'Kubernetes' },
        });
        assert.equal(kubernetes.status, 400);
        assert.match(kubernetes.body.error.message, /managed online deployments only/);

        const traffic = (t: Record<string, unknown>) =>
            kit.arm('PUT', `${ep}?${API}`, { location: LOCATION, properties: { authMode: 'Key', traffic: t } });
        for (const [t, pattern] of [
            [{ blue: 60 }, /sum to 100 \(or 0/],
            [{ blue: 100, green: 0 }, /'green', which does not exist/],
            [{ blue: -1 }, /integer from 0 to 100/],
        ] as [Record<string, unknown>, RegExp][]) {
            const r = await traffic(t);
            conforms('OnlineEndpoints_CreateOrUpdate', r);
            assert.equal(r.status, 400, JSON.stringify(t));
            assert.equal(r.body.error.details[0].code, 'InvalidTraffic');
            assert.match(r.body.error.message, pattern);
        }
        const fractional = await traffic({ blue: 99.5 });
        assert.equal(fractional.status, 400);
        assert.match(fractional.body.error.message, /int32|integer/);

        const all = await traffic({ blue: 100 });
        conforms('OnlineEndpoints_CreateOrUpdate', all);
        assert.equal(all.status, 200);
        assert.equal(all.body.properties.provisioningState, 'Updating');
        assert.equal(await settle(all), 'Succeeded');

        const del = await kit.arm('DELETE', `${ep}/deployments/blue?${API}`);
        conforms('OnlineDeployments_Delete', del);
        assert.equal(del.status, 400);
        assert.equal(del.body.error.details[0].code, 'DeploymentHasTraffic');

        // Scoring: the key, the header, and no traffic at all.
        const keys = await kit.arm('POST', `${ep}/listKeys?${API}`);
        conforms('OnlineEndpoints_ListKeys', keys);
        const scoringUri: string = (await kit.arm('GET', `${ep}?${API}`)).body.properties.scoringUri;
        const rows = await featureRows(3);
        const score = (key: string, headers: Record<string, string> = {}) =>
            fetch(scoringUri, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
                body: JSON.stringify({ input_data: { columns: FEATURES, data: rows } }),
            });
        assert.equal((await score('wrong-key')).status, 401);
        const ok = await score(keys.body.primaryKey);
        assert.equal(ok.status, 200);
        assert.equal(ok.headers.get('azureml-model-deployment'), 'blue');
        assert.equal(((await ok.json()) as unknown[]).length, 3);
        assert.equal((await score(keys.body.secondaryKey, { 'azureml-model-deployment': 'nope' })).status, 404);
        assert.equal(await settle(await traffic({ blue: 0 })), 'Succeeded');
        const none = await score(keys.body.primaryKey);
        assert.equal(none.status, 404);
        assert.match(await none.text(), /No valid deployments to route to/);
        const direct = await score(keys.body.primaryKey, { 'azureml-model-deployment': 'blue' });
        assert.equal(direct.status, 200);

        const gone = await kit.arm('DELETE', `${ep}/deployments/blue?${API}`);
        conforms('OnlineDeployments_Delete', gone);
        assert.equal(gone.status, 202);
        assert.equal(await settle(gone), 'Succeeded');
        const after = await kit.arm('GET', `${ep}?${API}`);
        assert.deepEqual(after.body.properties.traffic, {});
        const missing = await kit.arm('GET', `${ep}/deployments/blue?${API}`);
        conforms('OnlineDeployments_Get', missing);
        assert.equal(missing.status, 404);
    });

    it("changes a deployment's model only when its update succeeds; a failed update keeps the old one serving", async () => {
        const other = await kit.upload('canonical/churn-2.csv', await churnCsv(500, 77));
        await kit.arm('PUT', `${WS_PATH}/jobs/train-2?${API}`, jobBody(other));
        const job = await until('train-2', async () => {
            const r = await kit.arm('GET', `${WS_PATH}/jobs/train-2?${API}`);
            return ['Completed', 'Failed'].includes(r.body.properties.status) ? r : undefined;
        });
        assert.equal(job.body.properties.status, 'Completed');
        const mv = await kit.arm('PUT', `${WS_PATH}/models/churn/versions/2?${API}`, {
            properties: { modelUri: job.body.properties.outputs.model.uri },
        });
        assert.equal(mv.status, 201);
        const ep = `${WS_PATH}/onlineEndpoints/upd-ep`;
        const settle = async (reply: { status: number; headers: Headers; body: AnyJson }) => {
            assert.ok(reply.status < 300, JSON.stringify(reply.body));
            const url = new URL(reply.headers.get('azure-asyncoperation')!);
            return until('operation', async () => {
                const r = await kit.arm('GET', url.pathname + url.search);
                return r.body.status === 'InProgress' ? undefined : (r.body.status as string);
            });
        };
        assert.equal(
            await settle(await kit.arm('PUT', `${ep}?${API}`, { location: LOCATION, properties: { authMode: 'Key' } })),
            'Succeeded',
        );
        const deployment = (version: number) => ({
            location: LOCATION,
            properties: { endpointComputeType: 'Managed', model: `azureml:churn:${version}` },
        });
        assert.equal(await settle(await kit.arm('PUT', `${ep}/deployments/blue?${API}`, deployment(1))), 'Succeeded');
        assert.equal(
            await settle(
                await kit.arm('PUT', `${ep}?${API}`, {
                    location: LOCATION,
                    properties: { authMode: 'Key', traffic: { blue: 100 } },
                }),
            ),
            'Succeeded',
        );
        const key: string = (await kit.arm('POST', `${ep}/listKeys?${API}`)).body.primaryKey;
        const scoringUri: string = (await kit.arm('GET', `${ep}?${API}`)).body.properties.scoringUri;
        const rows = await featureRows(4);
        const score = async () => {
            const r = await fetch(scoringUri, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                body: JSON.stringify({ input_data: { columns: FEATURES, data: rows } }),
            });
            assert.equal(r.status, 200);
            return (await r.json()) as unknown[];
        };
        const first = await score();

        kit.studio.faults.set('upd-ep/blue', { v2OperationFails: 'injected: container crashed on start' });
        const failing = await kit.arm('PUT', `${ep}/deployments/blue?${API}`, deployment(2));
        conforms('OnlineDeployments_CreateOrUpdate', failing);
        assert.equal(failing.status, 200);
        assert.equal(failing.body.properties.provisioningState, 'Updating');
        assert.equal(await settle(failing), 'Failed');
        const failed = await kit.arm('GET', `${ep}/deployments/blue?${API}`);
        conforms('OnlineDeployments_Get', failed);
        assert.equal(failed.body.properties.provisioningState, 'Failed');
        assert.equal(failed.body.properties.model, 'azureml:churn:1');
        assert.deepEqual(await score(), first);

        kit.studio.faults.clear('upd-ep/blue');
        assert.equal(await settle(await kit.arm('PUT', `${ep}/deployments/blue?${API}`, deployment(2))), 'Succeeded');
        assert.equal((await kit.arm('GET', `${ep}/deployments/blue?${API}`)).body.properties.model, 'azureml:churn:2');
        assert.notDeepEqual(await score(), first);

        // Injected latency shows in the deployment's counters (a lower bound only: the machine may add more).
        const counters = async () => {
            const r = await fetch(
                `${kit.url}/_studio/azureml/${WS_PATH.split('/')[2]}/${WS_PATH.split('/')[4]}/${WS_PATH.split('/')[8]}/onlineEndpoints/upd-ep/deployments/blue/metrics`,
                {
                    headers: { 'x-studio-admin-key': KEYS.admin },
                },
            );
            assert.equal(r.status, 200);
            return (await r.json()) as { requests: number; errors: number; latencyMaxInMs: number };
        };
        const before = await counters();
        kit.studio.faults.set('upd-ep/blue', { scoringDelayInMs: 80 });
        await score();
        kit.studio.faults.clear('upd-ep/blue');
        const after = await counters();
        assert.equal(after.requests, before.requests + 1);
        assert.equal(after.errors, 0);
        assert.ok(after.latencyMaxInMs >= 75, `latencyMaxInMs ${after.latencyMaxInMs}`);

        // Deleting the endpoint deletes its deployments.
        const del = await kit.arm('DELETE', `${ep}?${API}`);
        conforms('OnlineEndpoints_Delete', del);
        assert.equal(del.status, 202);
        assert.equal(await settle(del), 'Succeeded');
        const gone = await kit.arm('GET', `${ep}?${API}`);
        conforms('OnlineEndpoints_Get', gone);
        assert.equal(gone.status, 404);
        assert.equal((await kit.arm('GET', `${ep}/deployments/blue?${API}`)).status, 404);
        assert.equal((await kit.arm('DELETE', `${ep}?${API}`)).status, 204);
    });

    it('injects HTTP faults on v2 operations like the other surfaces', async () => {
        kit.studio.faults.set('train-1', {
            http: [{ operation: 'v2Job', status: 503, retryAfterSeconds: 2, times: 1 }],
        });
        const hit = await kit.arm('GET', `${WS_PATH}/jobs/train-1?${API}`);
        assert.equal(hit.status, 503);
        assert.equal(hit.headers.get('retry-after'), '2');
        const next = await kit.arm('GET', `${WS_PATH}/jobs/train-1?${API}`);
        assert.equal(next.status, 200);
        assert.equal(kit.studio.stats().byScope['train-1']?.v2Job, 2);
        const admin = await fetch(`${kit.url}/_studio/faults/slow-ep`, {
            method: 'PUT',
            headers: { 'x-studio-admin-key': KEYS.admin, 'content-type': 'application/json' },
            body: JSON.stringify({ scoringDelayInMs: -1 }),
        });
        assert.equal(admin.status, 400);
    });
});
