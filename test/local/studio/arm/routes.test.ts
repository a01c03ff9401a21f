import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../../src/local/samples';
import { validateArmOperationStatus, validateArmWebService } from '../../../../src/local/studio/arm/schema';
import {
    ARM_NAME,
    ARM_PATH,
    ARM_SERVICE_ID,
    AnyJson,
    KEYS,
    Kit,
    Reply,
    SUB,
    TRAINED_MODEL,
    armToken,
    blobUrl,
    column,
    scoringRows,
    startKit,
} from '../kit';
import { eventually } from '../../../helpers/environment';

const V = 'api-version=2017-01-01';

describe('studio ARM web services (on the wire)', () => {
    let kit: Kit;
    let rows: { ColumnNames: string[]; Values: string[][] };
    /** The signal model's URL with its read SAS. */
    let signalUri: string;
    /** The shuffled model's URL in the emulator's own account, without a SAS (read with the account key). */
    let shuffledUri: string;

    before(async () => {
        kit = await startKit();
        rows = await scoringRows();
        const signal = await kit.runJob(
            await kit.upload('data/signal.csv', await toText(classificationCsv({ rows: 3000, seed: 31 }))),
        );
        const shuffled = await kit.runJob(
            await kit.upload(
                'data/shuffled.csv',
                await toText(classificationCsv({ rows: 3000, seed: 32, shuffleLabels: true })),
            ),
        );
        signalUri = blobUrl(signal.status.body.Results.output1);
        const s = shuffled.status.body.Results.output1;
        shuffledUri = `${s.BaseLocation}${s.RelativeLocation}`;
    });
    after(() => kit?.close());

    const arm = (method: string, path: string, body?: unknown, token = armToken()) =>
        kit.call(method, path.includes('?') ? path : `${path}?${V}`, { key: token, body });

    async function score(): Promise<Reply> {
        return kit.call(
            'POST',
            `/subscriptions/${SUB}/services/${ARM_SERVICE_ID}/execute?api-version=2.0&details=true`,
            {
                key: KEYS.armPrimary,
                body: { Inputs: { input1: rows }, GlobalParameters: {} },
            },
        );
    }

    function modelAsset(definition: AnyJson): { locationInfo: { uri: string } } {
        const assets = Object.values<{ name: string; locationInfo: { uri: string } }>(definition.properties.assets);
        const asset = assets.find((a) => a.name === TRAINED_MODEL);
        assert.ok(asset, 'the trained model asset');
        return asset;
    }

    /** GET, swap the trained model's uri, PUT; returns the PUT reply. */
    async function putModel(uri: string): Promise<Reply> {
        const current = await arm('GET', ARM_PATH);
        assert.equal(current.status, 200);
        const next = current.body;
        modelAsset(next).locationInfo.uri = uri;
        return arm('PUT', ARM_PATH, next);
    }

    /** Polls the Azure-AsyncOperation URL until the operation ends; every body must match the spec. */
    async function pollOperation(put: Reply): Promise<{ final: AnyJson; states: string[] }> {
        const url = put.headers.get('azure-asyncoperation');
        assert.ok(url, 'Azure-AsyncOperation header');
        assert.ok(url.startsWith(`${kit.url}/subscriptions/${SUB}/providers/Microsoft.MachineLearning/locations/`));
        const states: string[] = [];
        const final = await eventually<Record<string, unknown>>(
            async () => {
                const res = await arm('GET', url.slice(kit.url.length));
                assert.equal(res.status, 200, JSON.stringify(res.body));
                assert.deepEqual(validateArmOperationStatus(res.body), []);
                if (states.at(-1) !== res.body.provisioningState) states.push(res.body.provisioningState);
                const body = res.body as Record<string, unknown>;
                return body.provisioningState !== 'Provisioning' ? body : undefined;
            },
            'the operation to end',
            30_000,
            25,
        );
        return { final, states };
    }

    it('GET returns a spec-valid WebService without keys or the storage key', async () => {
        const res = await arm('GET', ARM_PATH);
        assert.equal(res.status, 200);
        assert.deepEqual(validateArmWebService(res.body, 'response'), []);
        assert.equal(res.body.name, ARM_NAME);
        assert.equal(res.body.properties.provisioningState, 'Succeeded');
        assert.equal('keys' in res.body.properties, false);
        assert.equal('key' in (res.body.properties.storageAccount ?? {}), false);
        assert.ok(!JSON.stringify(res.body).includes(KEYS.armPrimary));
        const keys = await arm('GET', `${ARM_PATH}/listKeys`);
        assert.equal(keys.status, 200);
        assert.deepEqual(keys.body, { primary: KEYS.armPrimary, secondary: KEYS.armSecondary });
    });

    it('scores nothing before a model is bound', async () => {
        const res = await score();
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'ModuleExecutionError');
    });

    let signalProbabilities: string[];

    it('PUT with a new model uri: Provisioning, then Succeeded, then RRS scores with it', async () => {
        kit.studio.faults.set(ARM_NAME, { armOperationDurationInMs: 400 });
        try {
            const put = await putModel(signalUri);
            assert.equal(put.status, 200, JSON.stringify(put.body));
            assert.equal(put.body.properties.provisioningState, 'Provisioning');
            assert.equal('keys' in put.body.properties, false);
            // While provisioning the service still has no model.
            assert.equal((await score()).status, 400);
            const { final, states } = await pollOperation(put);
            assert.deepEqual(states, ['Provisioning', 'Succeeded']);
            assert.equal(final.percentComplete, 100);
            assert.ok(final.endTime);
        } finally {
            kit.studio.faults.clear(ARM_NAME);
        }
        const res = await score();
        assert.equal(res.status, 200, JSON.stringify(res.body));
        signalProbabilities = column(res.body, 'Scored Probabilities');
        const got = await arm('GET', ARM_PATH);
        assert.deepEqual(validateArmWebService(got.body, 'response'), []);
        assert.equal(got.body.properties.provisioningState, 'Succeeded');
        assert.equal(modelAsset(got.body).locationInfo.uri, signalUri);
    });

    it('a second PUT (own-account uri without SAS) changes what RRS returns', async () => {
        const put = await putModel(shuffledUri);
        assert.equal(put.status, 200, JSON.stringify(put.body));
        const { final } = await pollOperation(put);
        assert.equal(final.provisioningState, 'Succeeded', JSON.stringify(final));
        const res = await score();
        assert.equal(res.status, 200);
        assert.notDeepEqual(column(res.body, 'Scored Probabilities'), signalProbabilities);
        // Back to the signal model for the tests below.
        const back = await pollOperation(await putModel(signalUri));
        assert.equal(back.final.provisioningState, 'Succeeded');
        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
    });

    it('an unreadable model uri fails the operation and leaves scoring unchanged', async () => {
        const missing = signalUri.replace(/model\.ilearner/, 'missing.ilearner');
        const put = await putModel(missing);
        assert.equal(put.status, 200);
        const { final } = await pollOperation(put);
        assert.equal(final.provisioningState, 'Failed');
        assert.ok(String(final.errorInfo?.message).includes(missing.split('?')[0]), JSON.stringify(final));
        assert.ok(!JSON.stringify(final).includes('sig='), 'no SAS in errorInfo');
        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
        const got = await arm('GET', ARM_PATH);
        assert.equal(modelAsset(got.body).locationInfo.uri, signalUri);
        assert.deepEqual(validateArmWebService(got.body, 'response'), []);
        assert.equal(got.body.properties.provisioningState, 'Succeeded', 'GET keeps the last good definition');

        const tampered = signalUri.replace(/sig=[^&]+/, 'sig=AAAA');
        const denied = await pollOperation(await putModel(tampered));
        assert.equal(denied.final.provisioningState, 'Failed');
        assert.match(denied.final.errorInfo.message, /denied/);
        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
    });

    it('the armOperationFails fault fails the operation with that message', async () => {
        kit.studio.faults.set(ARM_NAME, { armOperationFails: 'Simulated provisioning failure' });
        try {
            const { final } = await pollOperation(await putModel(shuffledUri));
            assert.equal(final.provisioningState, 'Failed');
            assert.equal(final.errorInfo.message, 'Simulated provisioning failure');
        } finally {
            kit.studio.faults.clear(ARM_NAME);
        }
        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
    });

    it('a second update while one runs is 409 Conflict', async () => {
        kit.studio.faults.set(ARM_NAME, { armOperationDurationInMs: 500 });
        try {
            const first = await putModel(signalUri);
            assert.equal(first.status, 200);
            const second = await putModel(shuffledUri);
            assert.equal(second.status, 409);
            assert.equal(second.body.error.code, 'Conflict');
            const patch = await arm('PATCH', ARM_PATH, { tags: { a: 'b' } });
            assert.equal(patch.status, 409);
            assert.equal((await pollOperation(first)).final.provisioningState, 'Succeeded');
        } finally {
            kit.studio.faults.clear(ARM_NAME);
        }
        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
    });

    it('keys sent with an update change only if the update succeeds', async () => {
        const withKeys = async (uri: string, primary: string) => {
            const current = (await arm('GET', ARM_PATH)).body;
            modelAsset(current).locationInfo.uri = uri;
            current.properties.keys = { primary, secondary: KEYS.armSecondary };
            const put = await arm('PUT', ARM_PATH, current);
            assert.equal(put.status, 200, JSON.stringify(put.body));
            assert.equal('keys' in put.body.properties, false, 'the PUT answer carries no keys');
            return (await pollOperation(put)).final.provisioningState as string;
        };
        const failed = await withKeys(
            signalUri.replace(/model\.ilearner/, 'gone.ilearner'),
            'rotated-but-failed-key-1',
        );
        assert.equal(failed, 'Failed');
        assert.equal((await arm('GET', `${ARM_PATH}/listKeys`)).body.primary, KEYS.armPrimary);
        assert.equal((await score()).status, 200, 'the old key still scores');

        const rotated = 'rotated-primary-key-0123456789';
        assert.equal(await withKeys(signalUri, rotated), 'Succeeded');
        assert.deepEqual((await arm('GET', `${ARM_PATH}/listKeys`)).body, {
            primary: rotated,
            secondary: KEYS.armSecondary,
        });
        const rrs = `/subscriptions/${SUB}/services/${ARM_SERVICE_ID}/execute?api-version=2.0`;
        const body = { Inputs: { input1: rows }, GlobalParameters: {} };
        assert.equal((await kit.call('POST', rrs, { key: rotated, body })).status, 200);
        assert.equal((await kit.call('POST', rrs, { key: KEYS.armPrimary, body })).status, 401);
        // Back to the seeded key.
        assert.equal(await withKeys(signalUri, KEYS.armPrimary), 'Succeeded');
    });

    it('an invalid PUT body is 400 naming the problem, and starts nothing', async () => {
        const current = (await arm('GET', ARM_PATH)).body;
        const badType = structuredClone(current);
        badType.properties.realtimeConfiguration = { maxConcurrentCalls: 'many' };
        const res = await arm('PUT', ARM_PATH, badType);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'BadRequest');
        assert.match(res.body.error.message, /realtimeConfiguration\/maxConcurrentCalls/);
        assert.equal(res.headers.get('azure-asyncoperation'), null);

        const noProperties = structuredClone(current);
        delete noProperties.properties;
        const res2 = await arm('PUT', ARM_PATH, noProperties);
        assert.equal(res2.status, 400);
        assert.match(res2.body.error.message, /properties/);

        const noModel = structuredClone(current);
        for (const a of Object.values<{ name: string }>(noModel.properties.assets)) {
            if (a.name === TRAINED_MODEL) a.name = 'Renamed';
        }
        const res3 = await arm('PUT', ARM_PATH, noModel);
        assert.equal(res3.status, 400);
        assert.match(res3.body.error.message, /no Resource asset named 'Churn Model \[trained model\]'/);

        const notJson = await fetch(`${kit.url}${ARM_PATH}?${V}`, {
            method: 'PUT',
            headers: { authorization: `Bearer ${armToken()}`, 'content-type': 'application/json' },
            body: '{not json',
        });
        assert.equal(notJson.status, 400);

        const wrongVersion = await arm('GET', `${ARM_PATH}?api-version=2099-01-01`);
        assert.equal(wrongVersion.status, 400);
        assert.equal(wrongVersion.body.error.code, 'InvalidApiVersionParameter');

        assert.deepEqual(column((await score()).body, 'Scored Probabilities'), signalProbabilities);
    });

    it('an unknown web service is 404 ResourceNotFound', async () => {
        const res = await arm('GET', ARM_PATH.replace(ARM_NAME, 'nope'));
        assert.equal(res.status, 404);
        assert.equal(res.body.error.code, 'ResourceNotFound');
    });
});
