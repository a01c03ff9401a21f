import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../../src/local/samples';
import { ARM_NAME, ARM_SERVICE_ID, KEYS, Kit, Reply, SUB, WS, startKit } from '../kit';

describe('studio fault injection over HTTP', () => {
    let kit: Kit;
    let input: string;

    before(async () => {
        kit = await startKit();
        input = await kit.upload('data/train.csv', await toText(classificationCsv({ rows: 800, seed: 51 })));
    });
    after(() => kit?.close());
    afterEach(async () => {
        const res = await admin('DELETE', '/_studio/faults');
        assert.equal(res.status, 204);
    });

    const admin = (method: string, path: string, body?: unknown): Promise<Reply> =>
        kit.call(method, path, { headers: { 'x-studio-admin-key': KEYS.admin }, body });
    const submitRaw = () =>
        kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
            key: KEYS.training,
            body: { Inputs: { input1: { ConnectionString: kit.storage.connectionString, RelativeLocation: input } } },
        });
    const status = (jobId: string) =>
        kit.call('GET', `${kit.besBase()}/jobs/${jobId}?api-version=2.0`, { key: KEYS.training });

    it('429 with Retry-After for `times` calls, then success', async () => {
        const set = await admin('PUT', '/_studio/faults/churn-training', {
            http: [{ operation: 'submitJob', status: 429, retryAfterSeconds: 1, times: 2 }],
        });
        assert.equal(set.status, 204, JSON.stringify(set.body));
        for (let i = 0; i < 2; i++) {
            const res = await submitRaw();
            assert.equal(res.status, 429);
            assert.equal(res.headers.get('retry-after'), '1');
            assert.equal(res.body.error.code, 'TooManyRequests');
        }
        const ok = await submitRaw();
        assert.equal(ok.status, 200);
        assert.equal(typeof ok.body, 'string');
        // Other operations were never affected.
        assert.equal((await status(ok.body as string)).status, 200);
    });

    it('503 once for any operation of the scope', async () => {
        const { jobId } = await kit.submit(input);
        await admin('PUT', '/_studio/faults/churn-training', { http: [{ operation: '*', status: 503, times: 1 }] });
        const first = await status(jobId);
        assert.equal(first.status, 503);
        assert.equal(first.body.error.code, 'ServiceUnavailable');
        assert.ok(first.headers.get('x-ms-request-id'));
        assert.equal((await status(jobId)).status, 200);
    });

    it('a fault on `*` applies to every service; one on another scope does not', async () => {
        const { jobId } = await kit.submit(input);
        await admin('PUT', '/_studio/faults/churn-training-num', { http: [{ status: 500 }] });
        assert.equal((await status(jobId)).status, 200);
        await admin('PUT', '/_studio/faults/*', { http: [{ operation: 'getJobStatus', status: 504, times: 1 }] });
        assert.equal((await status(jobId)).status, 504);
        assert.equal((await status(jobId)).status, 200);
    });

    it('a fault on a web service covers the scoring of its endpoints; an ARM name covers its RRS', async () => {
        const body = { Inputs: { input1: { ColumnNames: ['tenure'], Values: [['1']] } }, GlobalParameters: {} };
        const execute = (path: string, key: string) =>
            kit.call('POST', `${path}/execute?api-version=2.0`, { key, body });
        const classic = `/workspaces/${WS}/services/churn-retrained`;
        const arm = `/subscriptions/${SUB}/services/${ARM_SERVICE_ID}`;
        await admin('PUT', '/_studio/faults/churn-predictive', { http: [{ operation: 'execute', status: 503 }] });
        await admin('PUT', `/_studio/faults/${ARM_NAME}`, { http: [{ operation: 'execute', status: 429 }] });
        assert.equal((await execute(classic, KEYS.retrainedPrimary)).status, 503);
        assert.equal((await execute(arm, KEYS.armPrimary)).status, 429);
        await admin('DELETE', '/_studio/faults');
        // Without faults: no model is bound yet.
        assert.equal((await execute(classic, KEYS.retrainedPrimary)).status, 400);
        assert.equal((await execute(arm, KEYS.armPrimary)).status, 400);
        // A fault on an endpoint's service id covers its management calls too.
        await admin('PUT', '/_studio/faults/churn-retrained', { http: [{ operation: 'getEndpoint', status: 503 }] });
        const endpoints = `/workspaces/${WS}/webservices/churn-predictive/endpoints`;
        assert.equal((await kit.call('GET', `${endpoints}/retrained`, { key: KEYS.workspace })).status, 503);
        assert.equal((await kit.call('GET', `${endpoints}/default`, { key: KEYS.workspace })).status, 200);
    });

    it('delayInMs delays the answer', async () => {
        const { jobId } = await kit.submit(input);
        await admin('PUT', '/_studio/faults/churn-training', {
            http: [{ operation: 'getJobStatus', delayInMs: 400, times: 1 }],
        });
        let t = Date.now();
        const slow = await status(jobId);
        assert.equal(slow.status, 200);
        assert.ok(Date.now() - t >= 390, `took ${Date.now() - t} ms`);
        t = Date.now();
        await status(jobId);
        assert.ok(Date.now() - t < 300, `took ${Date.now() - t} ms`);
    });

    it('jobFailure fails the job with that Details and writes no model', async () => {
        await admin('PUT', '/_studio/faults/churn-training', { jobFailure: 'Simulated module failure' });
        const job = await kit.runJob(input);
        assert.equal(job.status.body.StatusCode, 'Failed');
        assert.equal(job.status.body.Details, 'Simulated module failure');
        assert.equal(await kit.container.getBlockBlobClient(job.modelBlob).exists(), false);
    });

    it('DELETE of a scope clears its faults', async () => {
        const { jobId } = await kit.submit(input);
        await admin('PUT', '/_studio/faults/churn-training', { http: [{ operation: 'getJobStatus', status: 503 }] });
        assert.equal((await status(jobId)).status, 503);
        assert.equal((await status(jobId)).status, 503, 'without times: every call');
        assert.equal((await admin('DELETE', '/_studio/faults/churn-training')).status, 204);
        assert.equal((await status(jobId)).status, 200);
    });

    it('an invalid faults body is 400 naming the problem', async () => {
        const res = await admin('PUT', '/_studio/faults/churn-training', {
            http: [{ operation: 'submitJob', status: 418 }],
            jobDurationInMs: -1,
            bogus: true,
        });
        assert.equal(res.status, 400);
        assert.match(res.body.error.message, /http\.0\.status/);
        assert.match(res.body.error.message, /jobDurationInMs/);
        assert.match(res.body.error.message, /bogus/);
    });

    it('stats count calls per operation and per scope', async () => {
        const before = (await admin('GET', '/_studio/stats')).body;
        await kit.submit(input);
        await kit.submit(input);
        const after = (await admin('GET', '/_studio/stats')).body;
        assert.equal(after.operations.submitJob - (before.operations.submitJob ?? 0), 2);
        assert.equal(after.byScope['churn-training'].submitJob - (before.byScope['churn-training']?.submitJob ?? 0), 2);
    });
});
