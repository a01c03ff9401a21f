import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import { churnTarget } from '../helpers/demoTargets';
import { triggerDone } from '../helpers/environment';
import { suiteApp } from './appHost';

/**
 * A file that lands while a run trains: its trigger event reaches an orchestration that no longer
 * waits for events. The run, once recorded, looks at the data again and continues as new for it,
 * so the file is trained without another upload, timer tick or HTTP call.
 */
describe('a file that arrives during a run gets its own run', () => {
    const app = suiteApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 } })]);

    const put = async (name: string, seed: number): Promise<void> => {
        const text = await toText(classificationCsv({ rows: 300, seed }));
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    };
    const step = async () => (await app.step('churn'))?.step;
    const runs = () => app.runs('churn');

    it('trains the late file in a second run, started by the first', async () => {
        // Training takes 2 s, long enough to upload while the job runs.
        app.studio.faults.set('churn-training', { jobDurationInMs: 2000 });
        await put('churn/first.csv', 1);
        await app.until('the first run to train', step, (s) => s === 'training');
        await put('churn/late.csv', 2);

        const [second, first] = await app.until('the late file to be trained', runs, (r) => r.length >= 2);
        assert.deepEqual(
            first.manifest!.blobs.map((b) => b.name),
            ['churn/first.csv'],
            'the first run had snapshotted before the late file landed',
        );
        assert.equal(first.state, 'Promoted', first.reason);
        assert.deepEqual(
            second.manifest!.blobs.map((b) => b.name),
            ['churn/first.csv', 'churn/late.csv'],
        );
        assert.deepEqual(second.trigger, { kind: 'blob', blobName: 'churn/late.csv' });
        assert.equal(second.instanceId, first.instanceId, 'the same instance continued as new');
        assert.ok(second.timings.debouncing, 'the follow-up run debounced like a blob-triggered one');
        assert.equal(second.state, 'Promoted', second.reason);
        assert.equal(app.studio.stats().operations.submitJob, 2);
        app.studio.faults.clear('churn-training');

        // The second run's fresh look found its own data: the instance ends, nothing more runs.
        await app.settled();
        assert.equal((await runs()).length, 2);
    });

    it('a re-upload of the same bytes during the run trains nothing more', async () => {
        const before = (await runs()).length;
        const jobs = app.studio.stats().operations.submitJob;
        // The job outlasts the re-upload's trigger by far, so its event lands while the run trains
        // (checked below), never after the run ended.
        app.studio.faults.set('churn-training', { jobDurationInMs: 8000 });
        try {
            await put('churn/third.csv', 3);
            await app.until('the run to train', step, (s) => s === 'training');
            await put('churn/first.csv', 1); // identical bytes: same MD5, same run key
            await app.until('the re-upload to be triggered', () => triggerDone(app.scope, 'churn/first.csv'), Boolean);
            assert.equal(await step(), 'training', "the re-upload's trigger ran while the run trained");
            await app.settled();
            // The run's final look saw the re-upload's arrival and continued as new for it; the
            // follow-up found the same bytes already used and skipped.
            const [followUp, run, ...older] = await runs();
            assert.equal(older.length, before, 'two runs more');
            assert.ok(run.manifest!.blobs.some((b) => b.name === 'churn/third.csv'));
            assert.equal(run.state, 'Promoted', run.reason);
            assert.equal(followUp.state, 'Skipped', followUp.reason);
            assert.match(followUp.reason!, /already used by run/);
            assert.equal(followUp.instanceId, run.instanceId, 'the same instance continued as new');
            assert.equal(
                app.studio.stats().operations.submitJob,
                jobs + 1,
                'one BES job: the re-upload trained nothing',
            );
        } finally {
            app.studio.faults.clear('churn-training');
        }
    });
});
