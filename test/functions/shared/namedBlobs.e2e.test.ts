import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import type { RunRecord } from '../../../src/orchestrators/contracts';
import { churnTarget } from '../../helpers/demoTargets';
import { JsonAnswer, suiteApp } from '../appHost';

/**
 * `blobNames` of POST /api/retrain/{target} are checked before the 202, through the dev host: a
 * name outside the target's data pattern (foreign), one that does not exist, an empty one and one
 * that is no training-data name (invalid) get a 400 naming each, and no run starts; named blobs
 * that are all there get the 202.
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
        assert.deepEqual(answer.body.invalid, []);
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

    // The storage SDK resolves `..` in the URL: 'churn/../houses/h.csv' read as 'houses/h.csv', which
    // exists, so a run of 'churn' would have trained another folder's file.
    it('400 naming each name with a dot-dot, dot or empty segment or a backslash, and the rule; no run starts', async () => {
        const text = 'a,b\n1,2\n';
        await app.data.getBlockBlobClient('houses/h.csv').upload(text, text.length);
        const names = ['churn/../houses/h.csv', 'churn/./h.csv', 'churn//h.csv', 'churn\\h.csv'];
        const answer = await start(names);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.deepEqual(
            { invalid: answer.body.invalid, foreign: answer.body.foreign, missing: answer.body.missing },
            { invalid: names, foreign: [], missing: [] },
        );
        assert.equal(
            answer.body.error,
            "blobNames: 4 blob(s) cannot be trained for 'churn': 'churn/../houses/h.csv' cannot be a training-data " +
                "name: it has a '..' segment; 'churn/./h.csv' cannot be a training-data name: it has a '.' segment; " +
                "'churn//h.csv' cannot be a training-data name: it has an empty segment (a leading or trailing /, or //); " +
                "'churn\\h.csv' cannot be a training-data name: it holds a backslash (a training-data name is a path " +
                'of non-empty segments separated by /, none of them . or .., with no backslash and no control ' +
                'character). No run was started.',
        );
        assert.equal(await app.inFlight('churn'), null, 'no instance was started');
        assert.deepEqual(await runs(), []);
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
