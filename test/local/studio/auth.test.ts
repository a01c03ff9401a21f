import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import { ARM_PATH, ARM_SERVICE_ID, KEYS, Kit, Reply, SUB, WS, armToken, scoringRows, startKit } from './kit';

const ENDPOINTS = `/workspaces/${WS}/webservices/churn-predictive/endpoints`;

function assertUnauthorized(res: Reply, sent?: string): void {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'Unauthorized');
    assert.equal(res.body.error.details[0].code, 'ScoreRequestUnauthorized');
    if (sent) assert.ok(!JSON.stringify(res.body).includes(sent), 'the key is not echoed');
}

function assertArmUnauthorized(res: Reply, why: RegExp): void {
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'InvalidAuthenticationToken');
    assert.match(res.body.error.message, why);
}

describe('studio authentication (on the wire)', () => {
    let kit: Kit;
    let input: string;
    let jobId: string;
    let rows: { ColumnNames: string[]; Values: string[][] };

    before(async () => {
        kit = await startKit();
        input = await kit.upload('data/train.csv', await toText(classificationCsv({ rows: 500, seed: 41 })));
        jobId = (await kit.submit(input)).jobId;
        rows = await scoringRows(3);
    });
    after(() => kit?.close());

    describe('BES: a bad API key is 401', () => {
        const bad = 'not-the-training-key-123';
        it('submit', async () => {
            const res = await kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
                key: bad,
                body: {
                    Inputs: { input1: { ConnectionString: kit.storage.connectionString, RelativeLocation: input } },
                },
            });
            assertUnauthorized(res, bad);
        });
        it('start, status, cancel', async () => {
            const base = `${kit.besBase()}/jobs/${jobId}`;
            assertUnauthorized(await kit.call('POST', `${base}/start?api-version=2.0`, { key: bad }));
            assertUnauthorized(await kit.call('GET', `${base}?api-version=2.0`, { key: bad }));
            assertUnauthorized(await kit.call('DELETE', `${base}?api-version=2.0`, { key: bad }));
            // Nothing happened to the job.
            const ok = await kit.call('GET', `${base}?api-version=2.0`, { key: KEYS.training });
            assert.equal(ok.body.StatusCode, 'NotStarted');
        });
        it('no Authorization header, or the key of another service', async () => {
            assertUnauthorized(await kit.call('GET', `${kit.besBase()}/jobs/${jobId}?api-version=2.0`));
            const other = await kit.call('GET', `${kit.besBase()}/jobs/${jobId}?api-version=2.0`, {
                key: KEYS.defaultPrimary,
            });
            assertUnauthorized(other);
            const num = await kit.call('GET', `${kit.besBase()}/jobs/${jobId}?api-version=2.0`, {
                key: KEYS.trainingNum,
            });
            assertUnauthorized(num);
        });
    });

    describe('RRS: a bad API key is 401', () => {
        const execute = (path: string, key?: string) =>
            kit.call('POST', `${path}/execute?api-version=2.0&details=true`, {
                key,
                body: { Inputs: { input1: rows }, GlobalParameters: {} },
            });
        it('classic endpoint', async () => {
            assertUnauthorized(await execute(`/workspaces/${WS}/services/churn-default`, 'wrong-key-000000'));
            assertUnauthorized(await execute(`/workspaces/${WS}/services/churn-default`));
            // One endpoint's key does not open another.
            assertUnauthorized(await execute(`/workspaces/${WS}/services/churn-default`, KEYS.retrainedPrimary));
        });
        it('ARM web service', async () => {
            assertUnauthorized(await execute(`/subscriptions/${SUB}/services/${ARM_SERVICE_ID}`, 'wrong-key-000000'));
            assertUnauthorized(await execute(`/subscriptions/${SUB}/services/${ARM_SERVICE_ID}`, KEYS.defaultPrimary));
        });
        it('the right key gets past authentication', async () => {
            // No model is bound yet: 400, not 401.
            const res = await execute(`/workspaces/${WS}/services/churn-default`, KEYS.defaultSecondary);
            assert.equal(res.status, 400);
            assert.equal(res.body.error.code, 'ModuleExecutionError');
        });
    });

    describe('management: a bad workspace token or endpoint key is 401', () => {
        const bad = 'not-the-workspace-token';
        it('list web services, list and get endpoints', async () => {
            assertUnauthorized(await kit.call('GET', `/workspaces/${WS}/webservices`, { key: bad }), bad);
            assertUnauthorized(await kit.call('GET', ENDPOINTS, { key: bad }));
            assertUnauthorized(await kit.call('GET', `${ENDPOINTS}/retrained`, { key: bad }));
            assertUnauthorized(await kit.call('GET', ENDPOINTS));
        });
        it('patch, add and delete endpoints', async () => {
            const body = {
                Resources: [{ Name: 'x', Location: { BaseLocation: 'http://x/', RelativeLocation: 'a/b' } }],
            };
            assertUnauthorized(await kit.call('PATCH', `${ENDPOINTS}/retrained`, { key: bad, body }));
            // The default endpoint's key does not manage another endpoint.
            assertUnauthorized(await kit.call('PATCH', `${ENDPOINTS}/retrained`, { key: KEYS.defaultPrimary, body }));
            assertUnauthorized(await kit.call('PUT', `${ENDPOINTS}/extra`, { key: bad, body: {} }));
            // An endpoint key is not enough to add or delete endpoints.
            assertUnauthorized(await kit.call('DELETE', `${ENDPOINTS}/retrained`, { key: KEYS.retrainedPrimary }));
            const still = await kit.call('GET', `${ENDPOINTS}/retrained`, { key: KEYS.retrainedPrimary });
            assert.equal(still.status, 200);
        });
    });

    describe('ARM: a bad or expired token is 401', () => {
        const get = (token?: string) => kit.call('GET', `${ARM_PATH}?api-version=2017-01-01`, { key: token });
        it('no token, a malformed one, one signed with another secret, an expired one', async () => {
            assertArmUnauthorized(await get(), /no bearer token/);
            assertArmUnauthorized(await get('eyJhbGciOi.not.ours'), /malformed/);
            assertArmUnauthorized(await get(armToken('some-other-secret-000')), /signature/);
            assertArmUnauthorized(await get(armToken(KEYS.armSecret, Date.now() - 1000)), /expired/);
            // A workspace token or API key is not an ARM token.
            assertArmUnauthorized(await get(KEYS.workspace), /malformed/);
            assert.equal((await get(armToken())).status, 200);
        });
        it('on PUT, listKeys and operation status too', async () => {
            const expired = armToken(KEYS.armSecret, Date.now() - 1);
            assertArmUnauthorized(
                await kit.call('PUT', `${ARM_PATH}?api-version=2017-01-01`, { key: expired, body: {} }),
                /expired/,
            );
            const keys = await kit.call('GET', `${ARM_PATH}/listKeys?api-version=2017-01-01`, { key: expired });
            assertArmUnauthorized(keys, /expired/);
            assert.ok(!JSON.stringify(keys.body).includes(KEYS.armPrimary));
            const op = await kit.call(
                'GET',
                `/subscriptions/${SUB}/providers/Microsoft.MachineLearning/locations/westus/operationsStatus/x?api-version=2017-01-01`,
                { key: 'garbage' },
            );
            assertArmUnauthorized(op, /malformed/);
        });
    });

    it('admin routes need the admin key', async () => {
        const res = await kit.call('GET', '/_studio/stats');
        assert.equal(res.status, 401);
        const wrong = await kit.call('PUT', '/_studio/faults/*', {
            headers: { 'x-studio-admin-key': 'wrong-admin-key' },
            body: { jobFailure: 'x' },
        });
        assert.equal(wrong.status, 401);
        const ok = await kit.call('GET', '/_studio/stats', { headers: { 'x-studio-admin-key': KEYS.admin } });
        assert.equal(ok.status, 200);
    });
});
