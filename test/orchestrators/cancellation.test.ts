import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    Activities,
    ApprovalPlan,
    CANCEL_EVENT,
    CancelRequestEvent,
    RetrainInput,
    RunRecord,
    TargetPlan,
    Verdict,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator } from '../../src/orchestrators/retrain';
import {
    ActivityHandler,
    activityAnswers,
    Answer,
    fakeManifest,
    fakePlan,
    fakeRollout,
    FakeTask,
    lateCancellation,
    passingRun,
    runFake,
} from '../helpers/fakeOrchestration';

/**
 * Cancelling a run (POST /api/retrain/{target}/cancel raises CANCEL_EVENT): seen at each wait and
 * once before promotion, it cancels the BES job the run has running and records Cancelled with who,
 * when and at which step. Plans without `cancellable` never listen for it.
 */

const plan: TargetPlan = fakePlan({
    verify: { attempts: 1, intervalInMs: 1_000 },
    outbox: true,
    stableRunId: true,
    cancellable: true,
});
const manifest = fakeManifest;
const passed: Verdict = { passed: true, reasons: ['AUC 0.91 >= 0.7'], metrics: { AUC: 0.91 }, comparedTo: null };
const request: CancelRequestEvent = { by: 'ana', at: '2026-01-01T00:00:03.000Z', why: 'wrong file' };

const blobInput: RetrainInput = { target: 'churn', trigger: { kind: 'blob', blobName: 'churn/a.csv' } };
const httpInput: RetrainInput = { target: 'churn', trigger: { kind: 'http' } };

const defaults: Record<string, ActivityHandler> = {
    ...passingRun({ plan, verdict: passed, before: null }),
    [Activities.arrivals]: () => ({ value: { pending: 0 } }),
    // A cancelled run never promoted: a rollback would be a bug.
    [Activities.rollback]: () => assert.fail('no answer for rollback'),
};

interface Script {
    activities?: Record<string, ActivityHandler>;
    /** Decides whether the cancel request wins this `any` (the n-th one, from 1), given its step. */
    cancelAt?: (n: number, task: FakeTask & { kind: 'any' }) => boolean;
    /** Marks the cancel listener completed (as the SDK does for a request raised meanwhile) before this activity answers. */
    cancelDuring?: string;
    /** With `cancelDuring`: only on this call of that activity (from 1); default every call. */
    cancelOnCall?: number;
}

function scripted(script: Script) {
    const activity = activityAnswers(script.activities ?? {}, defaults);
    let anys = 0;
    const counts: Record<string, number> = {};
    let listener: (FakeTask & { result?: unknown }) | undefined;
    const complete = (t: FakeTask & { result?: unknown }): void => {
        t.isCompleted = true;
        t.result = request;
    };
    return (task: FakeTask): Answer => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind === 'any') {
            anys += 1;
            const cancel = task.tasks.find((t) => t.kind === 'event' && t.name === CANCEL_EVENT);
            if (cancel) {
                assert.ok(listener === undefined || listener === cancel, 'one cancel listener for the whole run');
                listener = cancel;
                if (script.cancelAt?.(anys, task)) {
                    complete(cancel);
                    return { value: cancel, at: new Date(request.at) };
                }
            }
            return { value: task.tasks.find((t) => t.kind === 'timer') };
        }
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        counts[task.name] = (counts[task.name] ?? 0) + 1;
        const onCall = script.cancelOnCall === undefined || script.cancelOnCall === counts[task.name];
        if (script.cancelDuring === task.name && onCall && listener) complete(listener);
        return activity(task);
    };
}

const names = (calls: { name: string }[]) => calls.map((c) => c.name);
const recorded = (calls: { name: string; input: unknown }[]): RunRecord =>
    calls.find((c) => c.name === Activities.record)!.input as RunRecord;

describe('cancelling a run', () => {
    it('while debouncing: takes the outbox, lists the data for the record, never submits', () => {
        const run = runFake(retrainOrchestrator, blobInput, scripted({ cancelAt: (n) => n === 1 }));
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled');
        assert.equal(record.reason, 'Cancelled by ana while debouncing: wrong file');
        assert.deepEqual(record.cancellation, {
            kind: 'requested',
            by: 'ana',
            at: request.at,
            why: 'wrong file',
            step: 'debouncing',
        });
        assert.deepEqual(record.manifest, manifest, 'the record names the data it would have trained');
        assert.ok(record.runId.endsWith(manifest.runKey.slice(0, 12)), record.runId);
        const order = names(run.calls);
        assert.ok(!order.includes(Activities.submitJob));
        assert.ok(!order.includes(Activities.cancelJob), 'no job to cancel');
        assert.ok(order.indexOf(Activities.arrivals) < order.indexOf(Activities.snapshotManifest), 'take, then list');
        assert.equal(run.continuedAsNew, undefined, 'the cancelled data does not start again at once');
    });

    it('while training: cancels the BES job and records it', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                activities: { [Activities.getJobStatus]: () => ({ value: { state: 'Running' } }) },
                cancelAt: (n) => n === 2,
            }),
        );
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled');
        assert.equal(record.cancellation?.step, 'training');
        assert.deepEqual(record.cancellation?.job, { jobId: 'job-1', outcome: 'cancelled' });
        const cancels = run.calls.filter((c) => c.name === Activities.cancelJob);
        assert.deepEqual(
            cancels.map((c) => c.input),
            [{ target: 'churn', jobId: 'job-1' }],
        );
        assert.ok(!names(run.calls).includes(Activities.evaluate));
        assert.equal(record.job?.jobId, 'job-1');
    });

    it('records a job that could not be cancelled, and still ends Cancelled', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                activities: {
                    [Activities.getJobStatus]: () => ({ value: { state: 'Running' } }),
                    [Activities.cancelJob]: () => ({ error: new Error('BES answered 503') }),
                },
                cancelAt: (n) => n === 1,
            }),
        );
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled');
        assert.equal(record.cancellation?.job?.outcome, 'cancel-failed');
        assert.match(record.reasonDetail ?? '', /job-1 could not be cancelled: BES answered 503/);
    });

    it('a request raised while the run evaluates stops it before promotion', () => {
        const run = runFake(retrainOrchestrator, httpInput, scripted({ cancelDuring: Activities.evaluate }));
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled');
        assert.equal(record.cancellation?.step, 'evaluating');
        assert.ok(!names(run.calls).includes(Activities.promote));
        assert.ok(!names(run.calls).includes(Activities.cancelJob), 'the job had finished');
    });

    it('a request buffered before the run ever waited is received at the checkpoint before promotion', () => {
        // The job is Finished at the first status read: the run never waited, so nothing saw the request yet.
        let checkpoint: FakeTask | undefined;
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                activities: { [Activities.getJobStatus]: () => ({ value: { state: 'Finished' } }) },
                cancelAt: (_n, any) => {
                    checkpoint = any;
                    return true;
                },
            }),
        );
        assert.equal(recorded(run.calls).state, 'Cancelled');
        assert.equal(recorded(run.calls).cancellation?.step, 'evaluating');
        assert.ok(checkpoint && checkpoint.kind === 'any' && checkpoint.tasks.some((t) => t.kind === 'timer'));
        assert.ok(!names(run.calls).includes(Activities.promote));
    });

    it('while awaiting approval', () => {
        const approval: ApprovalPlan = { timeoutInMs: 3_600_000, onTimeout: 'reject' };
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                activities: { [Activities.loadPlan]: () => ({ value: { ...plan, approval } }) },
                cancelAt: (_n, any) => any.tasks.some((t) => t.kind === 'event' && t.name.startsWith('approval-')),
            }),
        );
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled');
        assert.equal(record.cancellation?.step, 'awaiting-approval');
        assert.ok(!names(run.calls).includes(Activities.promote));
    });

    it('a run that is not asked runs as before, with one listener raced at each wait', () => {
        const run = runFake(retrainOrchestrator, blobInput, scripted({}));
        assert.equal(recorded(run.calls).state, 'Promoted');
        assert.equal(recorded(run.calls).cancellation, undefined);
    });

    it('a request that reaches a classic run after its checkpoint is recorded, not honoured', () => {
        // The route saw 'evaluating' and raised; the run had passed its checkpoint by the time it arrived.
        const run = runFake(retrainOrchestrator, httpInput, scripted({ cancelDuring: Activities.promote }));
        const record = recorded(run.calls);
        assert.equal(record.state, 'Promoted', 'promotion runs to its end');
        // The shared fixture other views are tested with is this record, but for the time of the request.
        assert.deepEqual(record.cancellation, { ...lateCancellation, at: request.at });
    });

    it('a request that reaches an Azure ML v2 run while it bakes is recorded with that step; the rollout goes on', () => {
        const rolloutPlan: TargetPlan = {
            ...plan,
            rollout: fakeRollout,
        };
        const deployment = 'churn-1a2b3c4d';
        const op = (kind: string) => ({ value: { operation: { kind, endpoint: 'churn-online', state: kind } } });
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                activities: {
                    [Activities.loadPlan]: () => ({ value: rolloutPlan }),
                    [Activities.registerModel]: () => ({
                        value: { modelId: 'm', name: 'churn', version: 'r1', modelUri: 'azureml://x/model/' },
                    }),
                    [Activities.beginDeployment]: () => ({
                        value: {
                            deployment,
                            serving: 'blue',
                            trafficBefore: { blue: 100 },
                            earlier: ['blue'],
                            operation: { kind: 'deployment', endpoint: 'churn-online', deployment, state: 's' },
                        },
                    }),
                    [Activities.pollOperation]: () => ({ value: { status: 'Succeeded' } }),
                    [Activities.setTraffic]: () => op('endpoint'),
                    [Activities.deleteDeployment]: () => op('deleteDeployment'),
                    [Activities.checkDeployment]: () => ({ value: { passed: true, reasons: ['ok'] } }),
                },
                // Raised while the first traffic step bakes: its live check is the second check.
                cancelDuring: Activities.checkDeployment,
                cancelOnCall: 2,
            }),
        );
        const record = recorded(run.calls);
        assert.equal(record.state, 'Promoted', record.reason);
        assert.deepEqual(
            record.rollout?.steps.map((s) => s.percent),
            [10, 50, 100],
        );
        assert.equal(record.cancellation?.honoured, false);
        assert.equal(record.cancellation?.by, 'ana');
        assert.equal(record.cancellation?.why, 'wrong file');
        assert.equal(record.cancellation?.step, 'baking');
        assert.match(record.cancellation?.declined ?? '', /^Too late: the run was already baking/);
    });

    /**
     * Answers every race: the cancel listener wins the n-th with `payloads[n - 1]` (while there is
     * one), the timer wins the rest. Keeps each race and each distinct listener for the test.
     */
    function racing(payloads: CancelRequestEvent[]) {
        const activity = activityAnswers({}, defaults);
        const races: (FakeTask & { kind: 'any' })[] = [];
        const listeners: FakeTask[] = [];
        const respond = (task: FakeTask): Answer => {
            if (task.kind === 'timer') return { value: undefined };
            if (task.kind === 'activity') return activity(task);
            if (task.kind !== 'any') throw new Error(`unexpected ${task.kind}`);
            races.push(task);
            const cancel: (FakeTask & { result?: unknown }) | undefined = task.tasks.find(
                (t) => t.kind === 'event' && t.name === CANCEL_EVENT,
            );
            assert.ok(cancel, 'every wait races the cancel listener');
            if (!listeners.includes(cancel)) listeners.push(cancel);
            const payload = payloads[races.length - 1];
            if (!payload) return { value: task.tasks.find((t) => t.kind === 'timer') };
            cancel.isCompleted = true;
            cancel.result = payload;
            return { value: cancel, at: new Date(payload.at) };
        };
        return { respond, races, listeners };
    }

    // The run starts at the fake clock's 2026-01-01T00:00:00.000Z, its startedAt.
    const stray: CancelRequestEvent = {
        by: 'bo',
        at: '2025-12-31T23:59:00.000Z',
        why: 'the run before',
        forExecution: '2025-12-31T23:00:00.000Z',
    };

    it('a request for an earlier execution of the instance is dropped; the wait goes on, and its own request stops it', () => {
        // Carried over at continue-as-new, or raised again from a status read before this run began.
        const own: CancelRequestEvent = { ...request, forExecution: '2026-01-01T00:00:00.000Z' };
        const script = racing([stray, own]);
        const run = runFake(retrainOrchestrator, blobInput, script.respond);
        const record = recorded(run.calls);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.reason, 'Cancelled by ana while debouncing: wrong file');
        assert.equal(record.cancellation?.by, 'ana');
        assert.equal(script.listeners.length, 2, 'a fresh listener after the stray request');
        const timerOf = (race: FakeTask & { kind: 'any' }) => race.tasks.find((t) => t.kind === 'timer');
        const [first, again] = [timerOf(script.races[0]), timerOf(script.races[1])];
        // The same wait goes on, on a fresh timer due at the same time (runFake refuses a timer
        // raced again: the SDK would schedule it twice).
        assert.notEqual(again, first, 'a fresh timer');
        assert.deepEqual(again?.kind === 'timer' && again.fireAt, first?.kind === 'timer' && first.fireAt);
        assert.equal(run.canceledTimers, 0, 'the stray request was not taken for an arrival');
    });

    it('a request for an earlier execution alone never stops the run, at any wait', () => {
        for (const [input, at] of [
            [blobInput, 'debouncing'],
            [httpInput, 'training'],
        ] as const) {
            const script = racing([stray]);
            const run = runFake(retrainOrchestrator, input, script.respond);
            const record = recorded(run.calls);
            assert.equal(record.state, 'Promoted', `${at}: ${record.reason}`);
            assert.equal(record.cancellation, undefined, at);
            assert.equal(script.listeners.length, 2, at);
            assert.ok(!names(run.calls).includes(Activities.cancelJob), at);
        }
    });

    it('a plan recorded before cancellation never listens for it', () => {
        const { cancellable: _omitted, ...oldPlan } = plan;
        let listened = false;
        const respond = scripted({ activities: { [Activities.loadPlan]: () => ({ value: oldPlan }) } });
        const run = runFake(retrainOrchestrator, blobInput, (task) => {
            if (task.kind === 'any' && task.tasks.some((t) => t.kind === 'event' && t.name === CANCEL_EVENT))
                listened = true;
            if (task.kind === 'event' && task.name === CANCEL_EVENT) listened = true;
            return respond(task);
        });
        assert.equal(recorded(run.calls).state, 'Promoted');
        assert.equal(listened, false);
    });
});
