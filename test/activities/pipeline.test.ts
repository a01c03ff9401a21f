import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { currentModel, sameModel } from '../../src/activities/endpoint';
import { evaluate } from '../../src/activities/evaluate';
import { promote } from '../../src/activities/promote';
import { recordRun } from '../../src/activities/record';
import { rollback } from '../../src/activities/rollback';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJob } from '../../src/activities/submitJob';
import { verify } from '../../src/activities/verify';
import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { RunRecord, SubmittedJob } from '../../src/orchestrators/contracts';
import { ChampionChangedError } from '../../src/retraining/runStore';
import { PipelineFixture, startPipeline, upload } from './fixture';
import { acted } from '../helpers/claims';

describe('evaluate, promote, verify, rollback, record (Azurite + studio emulator)', () => {
    let fx: PipelineFixture;
    before(async () => (fx = await startPipeline()));
    after(() => fx.close());

    async function train(target: string, runId: string): Promise<SubmittedJob> {
        const manifest = await snapshotManifest(fx.deps, { target, trigger: { kind: 'http' } });
        const job = acted(await submitJob(fx.deps, { target, runId, manifest, globalParameters: {} }));
        const status = await fx.waitForJob(target, job.jobId);
        assert.equal(status.state, 'Finished', status.details);
        return job;
    }

    const record = (runId: string, job: SubmittedJob, extra: Partial<RunRecord>): RunRecord => ({
        target: 'churn',
        runId,
        instanceId: 'retrain-churn',
        trigger: { kind: 'http' },
        state: 'Failed',
        job,
        timings: {},
        ...extra,
    });

    it('promotes a good first model on the classic endpoint, verifies it, and makes it champion', async () => {
        await upload(fx, 'churn/a.csv', await toText(classificationCsv({ rows: 3000, seed: 1 })));
        const job = await train('churn', 'r1');
        const verdict = await evaluate(fx.deps, { target: 'churn', runId: 'r1', job });
        assert.equal(verdict.passed, true, verdict.reasons.join('; '));
        assert.equal(verdict.comparedTo, null);
        assert.ok(verdict.metrics.auc > 0.8);
        const promotion = acted(
            await promote(fx.deps, {
                target: 'churn',
                runId: 'r1',
                model: job.modelOutput,
                expectedChampionRunId: null,
            }),
        );
        assert.equal(promotion.before, null, 'the retrained endpoint served nothing before');
        assert.ok(sameModel(await currentModel(fx.deps, fx.deps.config.targets[0]), job.modelOutput));
        const verification = await verify(fx.deps, { target: 'churn', runId: 'r1', promotion });
        assert.equal(verification.passed, true, verification.reasons.join('; '));
        await recordRun(fx.deps, record('r1', job, { state: 'Promoted', verdict, promotion, verification }));
        const champion = (await fx.deps.runs.getChampion('churn'))!.champion;
        assert.equal(champion.runId, 'r1');
        assert.deepEqual(champion.lineage, ['r1']);
        assert.equal((await fx.deps.runs.getRun('churn', 'r1'))?.state, 'Promoted');
    });

    it('judges a worse model against the gate and champion, and never touches the endpoint', async () => {
        await upload(fx, 'churn/a.csv', await toText(classificationCsv({ rows: 3000, seed: 1, shuffleLabels: true })));
        const job = await train('churn', 'r2');
        const verdict = await evaluate(fx.deps, { target: 'churn', runId: 'r2', job });
        assert.equal(verdict.passed, false);
        assert.equal(verdict.comparedTo?.runId, 'r1');
        assert.match(verdict.reasons[0], /AUC/);
        const champion = (await fx.deps.runs.getChampion('churn'))!.champion;
        assert.ok(sameModel(await currentModel(fx.deps, fx.deps.config.targets[0]), champion.model));
    });

    it('refuses to promote over a champion other than the one compared against', async () => {
        const job = await train('churn', 'r3');
        await assert.rejects(
            promote(fx.deps, {
                target: 'churn',
                runId: 'r3',
                model: job.modelOutput,
                expectedChampionRunId: 'someone-else',
            }),
            ChampionChangedError,
        );
        const champion = (await fx.deps.runs.getChampion('churn'))!.champion;
        assert.ok(sameModel(await currentModel(fx.deps, fx.deps.config.targets[0]), champion.model));
    });

    it('rolls back to the exact previous model, even when promote is retried after it already switched', async () => {
        await upload(fx, 'churn/a.csv', await toText(classificationCsv({ rows: 3000, seed: 4, drift: 1 })));
        const job = await train('churn', 'r4');
        const input = { target: 'churn', runId: 'r4', model: job.modelOutput, expectedChampionRunId: 'r1' };
        const first = acted(await promote(fx.deps, input));
        const retried = acted(await promote(fx.deps, input));
        assert.deepEqual(retried, first, 'the before-location is the one recorded by the first attempt');
        const r1 = (await fx.deps.runs.getChampion('churn'))!.champion.model;
        assert.ok(sameModel(first.before, r1));
        await rollback(fx.deps, { target: 'churn', runId: 'r4', promotion: first });
        assert.ok(sameModel(await currentModel(fx.deps, fx.deps.config.targets[0]), r1));
    });

    it('updates an ARM web service definition and verifies it', async () => {
        await upload(fx, 'houses/h.csv', await toText(regressionCsv({ rows: 2000, seed: 3 })));
        const job = await train('houses', 'h1');
        const verdict = await evaluate(fx.deps, { target: 'houses', runId: 'h1', job });
        assert.equal(verdict.passed, true, verdict.reasons.join('; '));
        const promotion = acted(
            await promote(fx.deps, {
                target: 'houses',
                runId: 'h1',
                model: job.modelOutput,
                expectedChampionRunId: null,
            }),
        );
        const verification = await verify(fx.deps, { target: 'houses', runId: 'h1', promotion });
        assert.equal(verification.passed, true, verification.reasons.join('; '));
        const scored = await fx.deps
            .scoring(fx.deps.config.targets[1])
            .score(['sqft', 'bedrooms', 'age', 'distance_km'], [['2000', '3', '10', '5']]);
        assert.ok(Math.abs(Number(scored.rows[0].at(-1)) - 368) < 40, `price ${scored.rows[0].at(-1)}`);
    });
});
