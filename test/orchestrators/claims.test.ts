import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CLAIM_HELD, ClaimPending, MAX_CLAIM_WAITS } from '../../src/orchestrators/claims';
import {
    Activities,
    ManifestSnapshot,
    RetrainInput,
    RunRecord,
    SubmittedJob,
    TargetPlan,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator, runIdFor } from '../../src/orchestrators/retrain';
import { Answer, fakeJob, fakeManifest, fakePlan, FakeTask, runFake } from '../helpers/fakeOrchestration';

const plan: TargetPlan = fakePlan({ verify: { attempts: 1, intervalInMs: 15_000 }, stableRunId: true });
const manifest: ManifestSnapshot = fakeManifest;
const job: SubmittedJob = fakeJob;
const before = { baseLocation: 'http://s/', relativeLocation: 'old' };
const pending = (retryAfterInMs = 15_000): ClaimPending => ({ claimPending: CLAIM_HELD, claim: 'c', retryAfterInMs });
const http: RetrainInput = { target: 'churn', trigger: { kind: 'http' } };
const START = new Date('2026-01-01T00:00:00Z');

/** Every activity answers as a healthy service would, unless `over` answers it (by call count). */
function respond(over: Partial<Record<string, (call: number, now: Date) => Answer>> = {}) {
    const calls: Record<string, number> = {};
    const defaults: Record<string, () => Answer> = {
        [Activities.loadPlan]: () => ({ value: plan }),
        [Activities.snapshotManifest]: () => ({ value: manifest }),
        [Activities.submitJob]: () => ({ value: job }),
        [Activities.getJobStatus]: () => ({ value: { state: 'Finished' } }),
        [Activities.evaluate]: () => ({ value: { passed: true, reasons: [], metrics: {}, comparedTo: null } }),
        [Activities.promote]: () => ({ value: { before, after: job.modelOutput } }),
        [Activities.verify]: () => ({ value: { passed: false, reasons: ['old model served'] } }),
        [Activities.rollback]: () => ({ value: null }),
        [Activities.record]: () => ({ value: null }),
    };
    return (task: FakeTask, now: Date): Answer => {
        if (task.kind === 'timer') return { value: null };
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        calls[task.name] = (calls[task.name] ?? 0) + 1;
        const handler = over[task.name];
        return handler ? handler(calls[task.name], now) : defaults[task.name]();
    };
}

describe('claimed steps in the retrain orchestrator', () => {
    it('a pending submit, promote or rollback is asked again after a durable timer, doubling up to the lease', () => {
        const run = runFake<RunRecord>(
            retrainOrchestrator,
            http,
            respond({
                [Activities.submitJob]: (n) => ({ value: n <= 3 ? pending(3_000) : job }),
                [Activities.promote]: (n) => ({ value: n === 1 ? pending() : { before, after: job.modelOutput } }),
                [Activities.rollback]: (n) => ({ value: n === 1 ? pending() : null }),
            }),
        );
        assert.equal(run.output.state, 'RolledBack');
        assert.deepEqual(run.output.job?.jobId, 'job-1');
        const named = (name: string) => run.calls.filter((c) => c.name === name);
        assert.equal(named(Activities.submitJob).length, 4);
        assert.equal(named(Activities.promote).length, 2);
        assert.equal(named(Activities.rollback).length, 2);
        // The same input every time: the claim is keyed on the run, so each ask meets the same marker.
        assert.deepEqual(new Set(named(Activities.submitJob).map((c) => JSON.stringify(c.input))).size, 1);
        const gaps = run.timers.slice(0, 3).map((t, i, all) => t.getTime() - (i ? all[i - 1].getTime() : 0));
        assert.deepEqual(
            gaps.slice(1),
            [2_000, 3_000],
            'waits double from the first retry interval, capped at the lease',
        );
    });

    it('fails the run, recorded, when the claim stays held beyond MAX_CLAIM_WAITS', () => {
        const run = runFake<RunRecord>(
            retrainOrchestrator,
            http,
            respond({ [Activities.submitJob]: () => ({ value: pending() }) }),
            { maxSteps: 1000 },
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason ?? '', /stayed held by another copy/);
        assert.equal(run.calls.filter((c) => c.name === Activities.submitJob).length, MAX_CLAIM_WAITS + 1);
    });

    it('stamps the run id with the time collecting started, not the later episode that submits', () => {
        const late = new Date(START.getTime() + 90_000);
        const run = runFake<RunRecord>(
            retrainOrchestrator,
            http,
            respond({ [Activities.snapshotManifest]: () => ({ value: manifest, at: late }) }),
            { start: START },
        );
        assert.equal(run.output.runId, runIdFor(START, manifest.runKey));
        const submitted = run.calls.find((c) => c.name === Activities.submitJob)!.input as { runId: string };
        assert.equal(submitted.runId, run.output.runId);
        const legacy = runFake<RunRecord>(
            retrainOrchestrator,
            http,
            respond({
                [Activities.loadPlan]: () => ({ value: { ...plan, stableRunId: undefined } }),
                [Activities.snapshotManifest]: () => ({ value: manifest, at: late }),
            }),
            { start: START },
        );
        assert.equal(legacy.output.runId, runIdFor(late, manifest.runKey), 'plans without the flag keep the old stamp');
    });
});
