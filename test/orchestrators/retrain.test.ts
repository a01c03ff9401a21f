import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
    Activities,
    ManifestSnapshot,
    RetrainInput,
    RunRecord,
    SubmittedJob,
    TargetPlan,
    Verdict,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator, runIdFor } from '../../src/orchestrators/retrain';
import { Answer, FakeTask, runFake } from '../helpers/fakeOrchestration';
import { RecordedHistory, replayHistory } from '../helpers/replay';

const plan: TargetPlan = {
    target: 'churn',
    quietPeriodInMs: 30_000,
    maxWaitInMs: 120_000,
    jobDeadlineInMs: 600_000,
    pollInitialIntervalInMs: 5_000,
    pollMaxIntervalInMs: 60_000,
    activityRetry: { firstRetryIntervalInMs: 1_000, maxAttempts: 3 },
    retrainOnScheduleWithoutNewData: false,
};
const manifest: ManifestSnapshot = {
    runKey: 'abcdef0123456789',
    blobs: [{ name: 'churn/a.csv', etag: '"1"', contentLength: 10 }],
};
const job: SubmittedJob = {
    jobId: 'job-1',
    modelOutput: { baseLocation: 'http://s/', relativeLocation: 'models/churn/r/model.ilearner' },
    evaluationOutput: { baseLocation: 'http://s/', relativeLocation: 'models/churn/r/evaluation.csv' },
};
const champion = { runId: 'old-run', model: { baseLocation: 'http://s/', relativeLocation: 'old' }, metrics: {} };
const passed: Verdict = { passed: true, reasons: ['AUC 0.91 >= 0.7'], metrics: { AUC: 0.91 }, comparedTo: champion };

type Script = Partial<Record<string, (input: unknown, call: number) => Answer>>;

/** Answers activities from the script (counting calls per name); timers fire; events never come. */
function scripted(script: Script) {
    const counts: Record<string, number> = {};
    return (task: FakeTask): Answer => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind === 'any') return { value: task.tasks.find((t) => t.kind === 'timer') };
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        counts[task.name] = (counts[task.name] ?? 0) + 1;
        const handler = script[task.name] ?? defaults[task.name];
        if (!handler) throw new Error(`no answer for ${task.name}`);
        return handler(task.input, counts[task.name]);
    };
}

const defaults: Script = {
    [Activities.loadPlan]: () => ({ value: plan }),
    [Activities.snapshotManifest]: () => ({ value: manifest }),
    [Activities.submitJob]: () => ({ value: job }),
    [Activities.getJobStatus]: (_i, n) => ({ value: { state: n < 3 ? 'Running' : 'Finished' } }),
    [Activities.evaluate]: () => ({ value: passed }),
    [Activities.promote]: () => ({ value: { before: champion.model, after: job.modelOutput } }),
    [Activities.verify]: () => ({ value: { passed: true, reasons: [] } }),
    [Activities.rollback]: () => ({ value: undefined }),
    [Activities.cancelJob]: () => ({ value: undefined }),
    [Activities.record]: () => ({ value: undefined }),
};

const httpInput: RetrainInput = { target: 'churn', trigger: { kind: 'http' } };
const names = (calls: { name: string }[]) => calls.map((c) => c.name);

describe('retrain orchestrator', () => {
    it('runs submit -> poll -> evaluate -> promote -> verify -> record and ends Promoted', () => {
        const run = runFake(retrainOrchestrator, httpInput, scripted({}));
        assert.equal(run.output.state, 'Promoted');
        assert.deepEqual(names(run.calls), [
            Activities.loadPlan,
            Activities.snapshotManifest,
            Activities.submitJob,
            Activities.getJobStatus,
            Activities.getJobStatus,
            Activities.getJobStatus,
            Activities.evaluate,
            Activities.promote,
            Activities.verify,
            Activities.record,
        ]);
        const recorded = run.calls.at(-1)!.input as RunRecord;
        assert.equal(recorded.state, 'Promoted');
        assert.equal(recorded.runId, runIdFor(new Date('2026-01-01T00:00:00Z'), manifest.runKey));
        assert.deepEqual(recorded.promotion, { before: champion.model, after: job.modelOutput });
        const promote = run.calls.find((c) => c.name === Activities.promote)!.input as {
            expectedChampionRunId: string;
        };
        assert.equal(promote.expectedChampionRunId, 'old-run', 'promotes only over the champion it compared against');
    });

    it('polls on durable timers with exponential backoff capped at the max interval', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.getJobStatus]: (_i, n) => ({ value: { state: n < 6 ? 'Running' : 'Finished' } }) }),
        );
        const gaps = run.timers.map(
            (t, i) => t.getTime() - (i === 0 ? Date.parse('2026-01-01T00:00:00Z') : run.timers[i - 1].getTime()),
        );
        assert.deepEqual(gaps, [5_000, 10_000, 20_000, 40_000, 60_000]);
    });

    it('rejects a model that fails the gate without touching the endpoint', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.evaluate]: () => ({
                    value: { ...passed, passed: false, reasons: ['AUC 0.55 < required 0.7'] },
                }),
            }),
        );
        assert.equal(run.output.state, 'Rejected');
        assert.match(run.output.reason!, /AUC 0.55/);
        assert.ok(!names(run.calls).includes(Activities.promote));
    });

    it('records Failed with the service reason when the job fails', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.getJobStatus]: () => ({
                    value: { state: 'Failed', details: "Column 'churned' not found" },
                }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /Column 'churned' not found/);
        assert.ok(!names(run.calls).includes(Activities.evaluate));
    });

    it('cancels the job and fails when it outlives the deadline', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.getJobStatus]: () => ({ value: { state: 'Running' } }) }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /Deadline of 600000 ms exceeded/);
        assert.equal(names(run.calls).filter((n) => n === Activities.cancelJob).length, 1);
        assert.ok(run.now.getTime() - Date.parse('2026-01-01T00:00:00Z') >= plan.jobDeadlineInMs);
    });

    it('rolls back when verification fails, and when verification itself throws', () => {
        for (const verify of [
            () => ({ value: { passed: false, reasons: ['golden row 1 scored 0, expected 1'] } }),
            () => ({ error: new Error('scoring endpoint unreachable') }),
        ] as const) {
            const run = runFake(retrainOrchestrator, httpInput, scripted({ [Activities.verify]: verify }));
            assert.equal(run.output.state, 'RolledBack');
            assert.equal(names(run.calls).filter((n) => n === Activities.rollback).length, 1);
        }
    });

    it('records Failed, naming both problems, when the rollback fails too', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.verify]: () => ({ value: { passed: false, reasons: ['golden row 0 mismatch'] } }),
                [Activities.rollback]: () => ({ error: new Error('nothing to restore') }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /golden row 0 mismatch.*nothing to restore/);
        assert.equal(names(run.calls).at(-1), Activities.record, 'the run is still recorded');
    });

    it('records Failed without rollback when promotion itself fails', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.promote]: () => ({ error: new Error('champion changed since evaluation') }) }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /champion changed/);
        assert.ok(!names(run.calls).includes(Activities.rollback));
    });

    it('skips data that an earlier run already used, and empty data', () => {
        const dup = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: () => ({ value: { ...manifest, previousRunId: 'r0' } }) }),
        );
        assert.equal(dup.output.state, 'Skipped');
        assert.match(dup.output.reason!, /already used by run r0/);
        assert.ok(!names(dup.calls).includes(Activities.submitJob));
        const empty = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: () => ({ value: { runKey: 'x', blobs: [] } }) }),
        );
        assert.equal(empty.output.state, 'Skipped');
    });

    it('debounces arrivals: each event restarts the quiet period, the max wait caps it', () => {
        const t0 = Date.parse('2026-01-01T00:00:00Z');
        let events = 0;
        const answer = scripted({});
        const run = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'blob', blobName: 'a.csv' } },
            (task, now) => {
                if (task.kind === 'any') {
                    // A file arrives every 20 s (inside the 30 s quiet period) forever.
                    events += 1;
                    const event = task.tasks.find((t) => t.kind === 'event');
                    return { value: event, at: new Date(now.getTime() + 20_000) };
                }
                return answer(task);
            },
        );
        assert.equal(run.output.state, 'Promoted');
        // Arrivals at 20, 40, ... 120 s: the 6th reaches the 120 s max wait and the run starts.
        assert.equal(events, 6);
        assert.equal(run.output.timings.collecting, new Date(t0 + 120_000).toISOString());
        assert.equal(run.canceledTimers, 6, 'every superseded quiet-period timer is cancelled');
    });

    it('shows the current step in custom status throughout', () => {
        const run = runFake(retrainOrchestrator, httpInput, scripted({}));
        const steps = run.statuses.map((s) => (s as { step: string }).step);
        assert.deepEqual(steps, [
            'collecting',
            'submitting',
            'training',
            'evaluating',
            'promoting',
            'verifying',
            'recording',
            'done',
        ]);
    });
});

/** Histories captured from the orchestrator (test/orchestrators/histories): an in-flight instance
 * recorded by one version must replay identically under the next, or it would be corrupted. */
describe('retrain orchestrator replays recorded histories deterministically', () => {
    const dir = path.resolve(__dirname, '../../../test/orchestrators/histories');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    it('has histories to replay', () => assert.ok(files.length >= 5));
    for (const file of files) {
        it(file, () => {
            const history = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as RecordedHistory;
            assert.deepEqual(replayHistory(retrainOrchestrator, history), history.output);
        });
    }

    it('detects a change that would break replay', () => {
        const history = JSON.parse(readFileSync(path.join(dir, 'rejected.json'), 'utf8')) as RecordedHistory;
        const tampered = structuredClone(history);
        (tampered.steps[2].scheduled as { activity: string }).activity = 'retrain-something-else';
        assert.throws(() => replayHistory(retrainOrchestrator, tampered), /nondeterminism at step 2/);
    });

    it('records an activity that fails beyond its retries as a Failed run instead of crashing', () => {
        const history = JSON.parse(
            readFileSync(path.join(dir, 'job-failed-after-transient-error.json'), 'utf8'),
        ) as RecordedHistory;
        assert.equal((history.output as RunRecord).state, 'Failed');
        assert.match((history.output as RunRecord).reason!, /Column 'churned' not found/);
    });
});
