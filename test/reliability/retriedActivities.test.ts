import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { promote } from '../../src/activities/promote';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJob } from '../../src/activities/submitJob';
import { BatchExecutionClient } from '../../src/clients';
import { classificationCsv, toText } from '../../src/local/samples';
import type { SubmittedJob } from '../../src/orchestrators/contracts';
import { besTrainingOf } from '../../src/retraining/config';
import { demoSettings } from '../helpers/demoTargets';
import { PipelineFixture, startPipeline, upload } from '../activities/fixture';
import { acted } from '../helpers/claims';

/**
 * An activity re-run after its host died half-way (at-least-once delivery) must not repeat the
 * remote side effect: one BES job per run, one endpoint PATCH per run.
 */
describe('activities re-run after a crash half-way', () => {
    let fx: PipelineFixture;
    before(async () => {
        fx = await startPipeline();
        await upload(fx, 'churn/a.csv', await toText(classificationCsv({ rows: 2000, seed: 5 })));
    });
    after(() => fx.close());

    const ops = (): Record<string, number> => fx.studio.stats().operations;
    let trained: SubmittedJob | undefined;

    it('submitJob: a crash between submit and start, then the retry, make one BES job, started once', async () => {
        const manifest = await snapshotManifest(fx.deps, { target: 'churn', trigger: { kind: 'http' } });
        const input = { target: 'churn', runId: 'crash-submit', manifest, globalParameters: {} };
        const crashing = {
            ...fx.deps,
            bes: () => {
                const real = new BatchExecutionClient(
                    besTrainingOf(fx.deps.config.targets[0]).besUrl,
                    demoSettings.CHURN_TRAINING_KEY,
                );
                real.startJob = () => Promise.reject(new Error('host killed before start'));
                return real;
            },
        };
        const submittedBefore = ops().submitJob ?? 0;
        await assert.rejects(submitJob(crashing, input), /host killed/);
        assert.equal((ops().submitJob ?? 0) - submittedBefore, 1);
        const job = acted(await submitJob(fx.deps, input));
        assert.equal((ops().submitJob ?? 0) - submittedBefore, 1, 'the retry submitted nothing new');
        assert.equal((await fx.waitForJob('churn', job.jobId)).state, 'Finished', 'the recorded job was started');
        const again = acted(await submitJob(fx.deps, input));
        assert.deepEqual(again, job);
        assert.equal((ops().submitJob ?? 0) - submittedBefore, 1);
        trained = job;
    });

    it('promote: a crash after the PATCH landed, then the retry, make one PATCH', async () => {
        const job = trained!;
        const patchesBefore = ops().patchEndpoint ?? 0;
        const promoteInput = {
            target: 'churn',
            runId: 'crash-submit',
            model: job.modelOutput,
            expectedChampionRunId: null,
        };
        const first = acted(await promote(fx.deps, promoteInput));
        assert.equal((ops().patchEndpoint ?? 0) - patchesBefore, 1);
        // The orchestrator never saw the result (crash after the PATCH): the activity runs again.
        const second = acted(await promote(fx.deps, promoteInput));
        assert.deepEqual(second, first, 'the same before/after is reported');
        assert.equal((ops().patchEndpoint ?? 0) - patchesBefore, 1, 'the landed update is not sent again');
    });
});
