import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import type { RunRecord } from '../../../src/orchestrators/contracts';
import { churnTarget } from '../../helpers/demoTargets';
import { JsonAnswer, suiteApp } from '../appHost';

/**
 * `blobNames` of POST /api/retrain/{target} are checked before the 202, through the dev host: a
 * name outside the target's data pattern (foreign), one that does not exist and an empty one get a
 * 400 naming each, and no run starts; named blobs that are all there get the 202.
 */
describe('POST /api/retrain/{target} checks blobNames before any run', () => {
    const app = suiteApp((w) => [churnTarget(w)]);

    const start = (blobNames: string[]): Promise<JsonAnswer> => app.post('retrain/churn', { blobNames });
    const runs = (): Promise<RunRecord[]> => app.runs('churn');

    it('400 naming each foreign, missing and empty blob; no run starts', async () => {
        // Neither starts a run by itself: one is outside every pattern, the other is empty.
        await app.data.getBlockBlobClient('other/x.csv').upload('a,b\n1,2\n', 8);
        await app.data.getBlockBlobClient('churn/empty.csv').upload('', 0);
        const answer = await start(['churn/empty.csv', 'churn/nope.csv', 'other/x.csv', 'houses/h.csv', 'other/x.csv']);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.deepEqual(answer.body.foreign, ['other/x.csv', 'houses/h.csv']);
        assert.deepEqual(answer.body.missing, ['churn/nope.csv']);
        assert.deepEqual(answer.body.empty, ['churn/empty.csv']);
        assert.equal(
            answer.body.error,
            "blobNames: 4 blob(s) cannot be trained for 'churn': 'other/x.csv' is not under the target's data " +
                "pattern 'churn/*.csv'; 'houses/h.csv' is not under the target's data pattern 'churn/*.csv'; " +
                `'churn/nope.csv' does not exist in container '${app.data.containerName}'; 'churn/empty.csv' is empty. ` +
                'No run was started.',
        );
        assert.equal(await app.inFlight('churn'), null, 'no instance was started');
        assert.deepEqual(await runs(), []);
        assert.equal(app.studio.stats().operations.submitJob ?? 0, 0);
    });

    it('202 when every named blob is there', async () => {
        const text = await toText(classificationCsv({ rows: 400, seed: 2 }));
        await app.data.getBlockBlobClient('churn/good.csv').upload(text, Buffer.byteLength(text));
        // The upload starts its own run; wait until it is over so the named start is not a 409.
        await app.until('the upload to run', runs, (r) => r.length > 0);
        await app.idle('churn');
        const answer = await start(['churn/good.csv']);
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        const [named] = await app.until('the named run to be recorded', runs, (r) => r.length > 1);
        assert.deepEqual(named.trigger, { kind: 'http', blobNames: ['churn/good.csv'] });
    });
});
