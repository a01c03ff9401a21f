import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
    AzureMlClient,
    OperationHandle,
    deriveDeploymentName,
    deriveJobName,
    deriveModelVersion,
    isAzureMlError,
    jobModelUri,
    readJobMetrics,
} from '../../../src/clients/azureml';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { FEATURES, KEYS } from '../../local/studio/kit';
import { ENVIRONMENT, LOCATION, V2, V2Kit, churnCsv, featureRows, startV2Kit, until } from '../../local/studio/v2/kit';

const ENDPOINT = 'churn-online';

describe('AzureMlClient against the studio emulator (every ARM call checked against the 2022-10-01 spec)', () => {
    let kit: V2Kit;
    let client: AzureMlClient;
    let rows: (string | number)[][];
    before(async () => {
        kit = await startV2Kit();
        client = kit.client;
        rows = await featureRows(5);
    });
    after(async () => {
        await kit.close();
        // The client's side of the contract: every request the SDK sent and every answer it got.
        assert.deepEqual(kit.recorder.problems, []);
    });

    const settle = (handle: OperationHandle) =>
        until(`operation on ${handle.endpoint}/${handle.deployment ?? ''}`, async () => {
            const p = await client.pollOperation(handle);
            return p.status === 'InProgress' ? undefined : p;
        });
    const completed = (name: string) =>
        until(`job ${name}`, async () => {
            const job = await client.getJob(name);
            return ['Completed', 'Failed', 'Canceled'].includes(job.status) ? job : undefined;
        });
    const metricsCounters = async (deployment: string) => {
        const res = await fetch(
            `${kit.url}/_studio/azureml/${V2.subscriptionId}/${V2.resourceGroup}/${V2.workspace}/onlineEndpoints/${ENDPOINT}/deployments/${deployment}/metrics`,
            { headers: { 'x-studio-admin-key': KEYS.admin } },
        );
        assert.equal(res.status, 200);
        return (await res.json()) as { requests: number; errors: number; latencySumInMs: number };
    };

    let modelV1 = '';
    let modelV2 = '';
    let scoringUri = '';
    let key = '';

    it('trains with a command job under a derived name; a retried submit finds the same job', async () => {
        const data = await kit.upload('runs/r1/data.csv', await churnCsv(800, 3));
        const name = deriveJobName('churn', 'run-0001');
        const spec = {
            name,
            environmentId: ENVIRONMENT,
            command: 'python train.py',
            trainingDataUri: data,
            tags: { runId: 'run-0001' },
        };
        const first = await client.submitCommandJob(spec);
        assert.equal(first.existed, undefined);
        // The create answer shows the job as created; the runner moves it on afterwards.
        assert.equal(first.status, 'NotStarted');
        const again = await client.submitCommandJob(spec);
        assert.equal(again.existed, true);
        assert.equal(again.name, name);
        const job = await completed(name);
        assert.equal(job.status, 'Completed', job.error);
        const metrics = await readJobMetrics(job, { workspaceblobstore: kit.datastore });
        assert.ok(metrics.AUC > 0.6 && metrics.AUC <= 1, `AUC ${metrics.AUC}`);
        assert.equal(kit.logs.filter((l) => l.includes(`azureml job ${name} completed`)).length, 1, 'trained once');
        const v = await client.createModelVersion({
            name: 'churn',
            version: deriveModelVersion('run-0001'),
            modelUri: jobModelUri(job),
            jobName: name,
            tags: { runId: 'run-0001' },
        });
        // Registering the same version again (a retried activity) is accepted and changes nothing.
        const same = await client.createModelVersion({
            name: 'churn',
            version: deriveModelVersion('run-0001'),
            modelUri: jobModelUri(job),
            jobName: name,
            tags: { runId: 'run-0001' },
        });
        assert.equal(same.id, v.id);
        modelV1 = v.id;
    });

    it('trains a second model from other data', async () => {
        const data = await kit.upload('runs/r2/data.csv', await churnCsv(800, 11));
        const job = await client.submitCommandJob({
            name: deriveJobName('churn', 'run-0002'),
            environmentId: ENVIRONMENT,
            command: 'python train.py',
            trainingDataUri: data,
        });
        const done = await completed(job.name);
        assert.equal(done.status, 'Completed', done.error);
        modelV2 = (await client.createModelVersion({ name: 'churn', version: 'run-0002', modelUri: jobModelUri(done) }))
            .id;
    });

    it('creates an endpoint and a first deployment as async operations, then sends it all traffic', async () => {
        const created = await settle(await client.beginCreateEndpoint(ENDPOINT, LOCATION));
        assert.equal(created.status, 'Succeeded');
        const blue = await client.beginCreateDeployment({
            endpoint: ENDPOINT,
            deployment: 'blue',
            location: LOCATION,
            modelId: modelV1,
        });
        // While the operation runs the deployment reads Creating.
        assert.ok(
            ['Creating', 'Succeeded'].includes((await client.findDeployment(ENDPOINT, 'blue'))!.provisioningState!),
        );
        assert.equal((await settle(blue)).status, 'Succeeded');
        assert.equal((await client.findDeployment(ENDPOINT, 'blue'))!.provisioningState, 'Succeeded');
        assert.equal((await settle(await client.beginSetTraffic(ENDPOINT, () => ({ blue: 100 })))).status, 'Succeeded');
        const endpoint = await client.getEndpoint(ENDPOINT);
        assert.deepEqual(endpoint.traffic, { blue: 100 });
        assert.equal(endpoint.provisioningState, 'Succeeded');
        scoringUri = endpoint.scoringUri!;
        key = await client.getEndpointKey(ENDPOINT);
        const scored = await client.score({ scoringUri, key, columns: FEATURES, rows });
        assert.equal(scored.deployment, 'blue');
        assert.equal(scored.predictions.length, rows.length);
        for (const p of scored.predictions) assert.ok(typeof p['Scored Probabilities'] === 'number');
    });

    it('reaches a deployment with no traffic through the azureml-model-deployment header only', async () => {
        const green = deriveDeploymentName('green', 'run-0002');
        assert.equal(
            (
                await settle(
                    await client.beginCreateDeployment({
                        endpoint: ENDPOINT,
                        deployment: green,
                        location: LOCATION,
                        modelId: modelV2,
                    }),
                )
            ).status,
            'Succeeded',
        );
        const direct = await client.score({ scoringUri, key, columns: FEATURES, rows, deployment: green });
        assert.equal(direct.deployment, green);
        const viaTraffic = await client.score({ scoringUri, key, columns: FEATURES, rows });
        assert.equal(viaTraffic.deployment, 'blue');
        // Different models, different answers for the same rows.
        assert.notDeepEqual(direct.predictions, viaTraffic.predictions);

        const before = await metricsCounters(green);
        assert.equal(
            (await settle(await client.beginSetTraffic(ENDPOINT, (t) => ({ ...t, blue: 90, [green]: 10 })))).status,
            'Succeeded',
        );
        const served: Record<string, number> = {};
        for (let i = 0; i < 20; i++) {
            const r = await client.score({ scoringUri, key, columns: FEATURES, rows: rows.slice(0, 1) });
            served[r.deployment!] = (served[r.deployment!] ?? 0) + 1;
        }
        assert.deepEqual(served, { blue: 18, [green]: 2 });
        const afterCounts = await metricsCounters(green);
        assert.equal(afterCounts.requests - before.requests, 2);
        assert.equal(afterCounts.errors, 0);

        // An injected fault on the new deployment shows in its error counter and reaches the caller.
        kit.studio.faults.set(`${ENDPOINT}/${green}`, { scoringFails: 'injected: model server crashed' });
        await assert.rejects(
            client.score({ scoringUri, key, columns: FEATURES, rows, deployment: green }),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 500,
        );
        assert.equal((await metricsCounters(green)).errors, 1);
        kit.studio.faults.clear(`${ENDPOINT}/${green}`);

        // Roll back: traffic back to blue, then the green deployment can go.
        await assert.rejects(
            client.beginDeleteDeployment(ENDPOINT, green),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 400 && /traffic/.test(err.message),
        );
        assert.equal(
            (await settle(await client.beginSetTraffic(ENDPOINT, () => ({ blue: 100, [green]: 0 })))).status,
            'Succeeded',
        );
        assert.equal((await settle(await client.beginDeleteDeployment(ENDPOINT, green))).status, 'Succeeded');
        assert.equal(await client.findDeployment(ENDPOINT, green), undefined);
    });

    it('refuses traffic maps the service refuses', async () => {
        const rejects = (traffic: Record<string, number>, pattern: RegExp) =>
            assert.rejects(
                client.beginSetTraffic(ENDPOINT, () => traffic),
                (err: unknown) => isAzureMlError(err) && err.statusCode === 400 && pattern.test(err.message),
            );
        await rejects({ blue: 90 }, /sum to 100/);
        await rejects({ blue: 50, nothere: 50 }, /does not exist/);
        await rejects({ blue: 101 }, /0 to 100/);
        // Nothing changed; the deleted deployment left the map when it went.
        assert.deepEqual((await client.getEndpoint(ENDPOINT)).traffic, { blue: 100 });
    });

    it('reports a deployment that fails to provision; it can get no traffic', async () => {
        kit.studio.faults.set(`${ENDPOINT}/broken`, { v2OperationFails: 'injected: image build failed' });
        const handle = await client.beginCreateDeployment({
            endpoint: ENDPOINT,
            deployment: 'broken',
            location: LOCATION,
            modelId: modelV2,
        });
        const outcome = await settle(handle);
        assert.equal(outcome.status, 'Failed', JSON.stringify(outcome));
        assert.match(outcome.error ?? '', /image build failed/, JSON.stringify(outcome));
        assert.equal((await client.findDeployment(ENDPOINT, 'broken'))!.provisioningState, 'Failed');
        await assert.rejects(
            client.beginSetTraffic(ENDPOINT, () => ({ blue: 50, broken: 50 })),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 400 && /Failed/.test(err.message),
        );
        kit.studio.faults.clear(`${ENDPOINT}/broken`);
        assert.equal((await settle(await client.beginDeleteDeployment(ENDPOINT, 'broken'))).status, 'Succeeded');
    });

    it('cancels a running job', async () => {
        const data = await kit.upload('runs/r3/data.csv', await churnCsv(200, 5));
        const name = deriveJobName('churn', 'run-cancel');
        kit.studio.faults.set(name, { jobNeverFinishes: true });
        await client.submitCommandJob({
            name,
            environmentId: ENVIRONMENT,
            command: 'python train.py',
            trainingDataUri: data,
        });
        await until('job running', async () => ((await client.getJob(name)).status === 'Running' ? true : undefined));
        await client.cancelJob(name);
        const job = await completed(name);
        assert.equal(job.status, 'Canceled');
        kit.studio.faults.clear(name);
    });

    it('names a failed job with its reason, and rejects a wrong credential', async () => {
        const name = deriveJobName('churn', 'run-missing-data');
        await client.submitCommandJob({
            name,
            environmentId: ENVIRONMENT,
            command: 'python train.py',
            trainingDataUri: 'azureml://datastores/workspaceblobstore/paths/nothing/here.csv',
        });
        const job = await completed(name);
        assert.equal(job.status, 'Failed');
        assert.match(job.error ?? '', /here\.csv|not found|does not exist/i);
        const stranger = new AzureMlClient(V2, new EmulatorCredential('not-the-secret-12345'), { endpoint: kit.url });
        await assert.rejects(
            stranger.getJob(name),
            (err: unknown) => isAzureMlError(err) && err.statusCode === 401 && !err.message.includes('studio.'),
        );
    });

    it('checked every spec operation the loop uses', () => {
        const ops = new Set(kit.recorder.checked.map((c) => c.split(' ')[0]));
        for (const op of [
            'Jobs_CreateOrUpdate',
            'Jobs_Get',
            'Jobs_Cancel',
            'ModelVersions_CreateOrUpdate',
            'OnlineEndpoints_CreateOrUpdate',
            'OnlineEndpoints_Get',
            'OnlineEndpoints_ListKeys',
            'OnlineDeployments_CreateOrUpdate',
            'OnlineDeployments_Get',
            'OnlineDeployments_Delete',
        ]) {
            assert.ok(ops.has(op), `${op} was not exercised`);
        }
    });
});
