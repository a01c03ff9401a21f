import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { classificationCsv, toText } from '../../../../src/local/samples';
import { testStorage, uniqueName } from '../../../helpers/azurite';
import {
    BlobLocation,
    KEYS,
    Kit,
    TRAINED_MODEL,
    WS,
    column,
    scoringRows,
    startKit,
    uploadInProcessModel,
} from '../kit';

const ENDPOINTS = `/workspaces/${WS}/webservices/churn-predictive/endpoints`;

describe('studio classic endpoint management (on the wire)', () => {
    let kit: Kit;
    /** Added to the studio clock by tests that need time to pass; only ever grows. */
    let skewInMs = 0;
    let rows: { ColumnNames: string[]; Values: string[][] };
    let shuffledModel: BlobLocation;
    let driftedModel: BlobLocation;
    let initialProbabilities: string[];

    before(async () => {
        const storage = await testStorage();
        const containerName = uniqueName('classic');
        const container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            containerName,
        );
        await container.createIfNotExists();
        const initialModel = await uploadInProcessModel(
            container,
            'initial/model.ilearner',
            await toText(classificationCsv({ rows: 3000, seed: 21 })),
        );
        kit = await startKit({ containerName, initialModel, clock: () => Date.now() + skewInMs });
        rows = await scoringRows();
        const shuffled = await kit.runJob(
            await kit.upload(
                'data/shuffled.csv',
                await toText(classificationCsv({ rows: 3000, seed: 22, shuffleLabels: true })),
            ),
        );
        const drifted = await kit.runJob(
            await kit.upload('data/drifted.csv', await toText(classificationCsv({ rows: 3000, seed: 23, drift: 1 }))),
        );
        assert.equal(shuffled.status.body.StatusCode, 'Finished');
        assert.equal(drifted.status.body.StatusCode, 'Finished');
        shuffledModel = shuffled.status.body.Results.output1;
        driftedModel = drifted.status.body.Results.output1;
    });
    after(() => kit?.close());

    async function score(serviceId: string, key: string): Promise<string[]> {
        const res = await kit.call(
            'POST',
            `/workspaces/${WS}/services/${serviceId}/execute?api-version=2.0&details=true`,
            {
                key,
                body: { Inputs: { input1: rows }, GlobalParameters: {} },
            },
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.Results.output1.value.ColumnNames, [
            ...rows.ColumnNames,
            'Scored Labels',
            'Scored Probabilities',
        ]);
        return column(res.body, 'Scored Probabilities');
    }
    const scoreDefault = () => score('churn-default', KEYS.defaultPrimary);
    const scoreRetrained = () => score('churn-retrained', KEYS.retrainedPrimary);
    const patch = (name: string, location: Partial<BlobLocation>, resourceName = TRAINED_MODEL) =>
        kit.call('PATCH', `${ENDPOINTS}/${name}`, {
            key: KEYS.workspace,
            body: { Resources: [{ Name: resourceName, Location: location }] },
        });
    const spread = (p: string[]) => Math.max(...p.map(Number)) - Math.min(...p.map(Number));

    it('starts with the initial model on every seeded endpoint', async () => {
        initialProbabilities = await scoreDefault();
        assert.deepEqual(await scoreRetrained(), initialProbabilities);
        assert.ok(spread(initialProbabilities) > 0.3, `spread ${spread(initialProbabilities)}`);
        const list = await kit.call('GET', ENDPOINTS, { key: KEYS.workspace });
        assert.equal(list.status, 200);
        assert.deepEqual((list.body as { Name: string }[]).map((e) => e.Name).sort(), ['default', 'retrained']);
        const ep = await kit.call('GET', `${ENDPOINTS}/retrained`, { key: KEYS.workspace });
        assert.equal(ep.body.ApiLocation, `${kit.url}/workspaces/${WS}/services/churn-retrained`);
        assert.equal(ep.body.Resources[0].Name, TRAINED_MODEL);
        assert.match(ep.body.Resources[0].Location.RelativeLocation, /initial\/model\.ilearner$/);
        assert.match(ep.body.Resources[0].Location.BaseLocation, /\/devstoreaccount1\/$/);
    });

    it('PATCH of a non-default endpoint changes what RRS returns for the same rows', async () => {
        const res = await patch('retrained', shuffledModel);
        assert.equal(res.status, 204, JSON.stringify(res.body));
        const after1 = await scoreRetrained();
        assert.notDeepEqual(after1, initialProbabilities);
        // A model of shuffled labels barely separates the rows.
        assert.ok(spread(after1) < spread(initialProbabilities) / 2, `spread ${spread(after1)}`);
        const ep = await kit.call('GET', `${ENDPOINTS}/retrained`, { key: KEYS.workspace });
        assert.equal(ep.body.Resources[0].Location.RelativeLocation, shuffledModel.RelativeLocation);
        assert.equal(ep.body.Resources[0].Location.SasBlobToken, undefined);

        // With the endpoint's own key, to a third model.
        const res2 = await kit.call('PATCH', `${ENDPOINTS}/retrained`, {
            key: KEYS.retrainedPrimary,
            body: { Resources: [{ Name: TRAINED_MODEL, Location: driftedModel }] },
        });
        assert.equal(res2.status, 204, JSON.stringify(res2.body));
        const after2 = await scoreRetrained();
        assert.notDeepEqual(after2, after1);
        assert.notDeepEqual(after2, initialProbabilities);
        // The default endpoint never moved.
        assert.deepEqual(await scoreDefault(), initialProbabilities);
    });

    it('refuses to PATCH the default endpoint; its scoring is unchanged', async () => {
        const res = await patch('default', shuffledModel);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'BadArgument');
        assert.equal(res.body.error.details[0].code, 'DefaultEndpointUpdateNotAllowed');
        assert.match(res.body.error.message, /add a new endpoint/);
        assert.deepEqual(await scoreDefault(), initialProbabilities);
        const ep = await kit.call('GET', `${ENDPOINTS}/default`, { key: KEYS.workspace });
        assert.match(ep.body.Resources[0].Location.RelativeLocation, /initial\/model\.ilearner$/);
    });

    it('refuses a bad PATCH and keeps the bound model', async () => {
        const before = await scoreRetrained();
        const wrongName = await patch('retrained', shuffledModel, 'Some Other Model');
        assert.equal(wrongName.status, 400);
        assert.equal(wrongName.body.error.details[0].code, 'InvalidResourceName');

        const tampered = shuffledModel.SasBlobToken.replace(/sig=[^&]+/, 'sig=AAAA');
        const badSas = await patch('retrained', { ...shuffledModel, SasBlobToken: tampered });
        assert.equal(badSas.status, 400);
        assert.match(badSas.body.error.message, /could not be loaded/);
        assert.ok(!JSON.stringify(badSas.body).includes('sig='), 'the SAS is not echoed');

        const notIlearner = await patch('retrained', { ...shuffledModel, RelativeLocation: 'x/model.bin' });
        assert.equal(notIlearner.status, 400);
        assert.equal(notIlearner.body.error.details[0].code, 'InvalidBlobExtension');

        // A readable blob that is not a model.
        const csv = await kit.upload('data/not-a-model.ilearner', 'a,b\n1,2\n');
        const notModel = await patch('retrained', {
            BaseLocation: shuffledModel.BaseLocation,
            RelativeLocation: csv,
            SasBlobToken: '',
        });
        assert.equal(notModel.status, 400, JSON.stringify(notModel.body));

        assert.deepEqual(await scoreRetrained(), before);
    });

    it('with patchPropagationDelayInMs the old model serves until the delay has passed', async () => {
        const before = await scoreRetrained();
        kit.studio.faults.set('churn-predictive', { patchPropagationDelayInMs: 60_000 });
        try {
            assert.equal((await patch('retrained', shuffledModel)).status, 204);
            assert.deepEqual(await scoreRetrained(), before, 'the old model serves during the delay');
            // Move the studio's clock past the delay instead of waiting it out (forward only).
            skewInMs += 61_000;
            const after = await scoreRetrained();
            assert.notDeepEqual(after, before);
        } finally {
            kit.studio.faults.clear('churn-predictive');
        }
    });

    it('adds an endpoint serving the current default model, with its own key and service id', async () => {
        const res = await kit.call('PUT', `${ENDPOINTS}/extra`, {
            key: KEYS.workspace,
            body: { Description: 'added', ThrottleLevel: 'Low', MaxConcurrentCalls: 4 },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const serviceId = String(res.body.ApiLocation).split('/').pop()!;
        assert.notEqual(serviceId, 'churn-default');
        assert.deepEqual(await score(serviceId, res.body.PrimaryKey), initialProbabilities);
        const del = await kit.call('DELETE', `${ENDPOINTS}/extra`, { key: KEYS.workspace });
        assert.equal(del.status, 204);
        const gone = await kit.call('GET', `${ENDPOINTS}/extra`, { key: KEYS.workspace });
        assert.equal(gone.status, 404);
    });
});
