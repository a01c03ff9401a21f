import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import { uniqueName } from '../helpers/azurite';
import { azureMlSettings, azureMlTarget, seedWithWorkspace, usersWorkspace } from '../helpers/azuremlTargets';
import { AppUnderTest, startApp } from './appHost';

/**
 * Cancelling an Azure ML v2 run once its rollout is under way, through the dev host: the route
 * answers 409 naming the step (a rollout is never stopped half-way: it rolls back by itself when a
 * live check fails), instead of 202 "asked" followed by a promotion whose record shows no request.
 */
describe('cancelling an Azure ML v2 run during its rollout, end to end', () => {
    let app: AppUnderTest;
    const datastoreContainer = uniqueName('azureml');
    before(async () => {
        app = await startApp(
            (w) => [
                // Bakes long enough for the test to ask while one runs.
                azureMlTarget({ ...w, datastoreContainer }, 'churnml', 'churn-online', {
                    rollout: { stepsInPercent: [10, 100], bakeInMs: 4000 },
                }),
            ],
            azureMlSettings,
            { seed: seedWithWorkspace(datastoreContainer) },
        );
        await usersWorkspace(app.studio.url, process.env.RETRAINER_DATA_STORAGE!, datastoreContainer, ['churn-online']);
    });
    after(() => app?.stop());

    it('answers 409 naming the step while the new deployment bakes; the run promotes and records no request', async () => {
        const text = await toText(classificationCsv({ rows: 1500, seed: 1 }));
        await app.data.getBlockBlobClient('churnml/a.csv').upload(text, Buffer.byteLength(text));
        await app.atStep('churnml', 'baking');

        const { status, body } = await app.post('retrain/churnml/cancel', { by: 'tester', why: 'stop the rollout' });
        assert.equal(status, 409, JSON.stringify(body));
        assert.equal(body.step, 'baking');
        assert.equal(body.target, 'churnml');
        assert.match(String(body.error), /is baking: its rollout is under way, so it can no longer be cancelled/);

        const [record] = await app.until(
            'the run was never recorded',
            () => app.runs('churnml'),
            (r) => r.length > 0,
        );
        assert.equal(record.state, 'Promoted', record.reason);
        assert.equal(record.cancellation, undefined, 'a refused request is not in the record');
        await app.settled();
    });
});
