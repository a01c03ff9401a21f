import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    Activities,
    approvalEventName,
    ApprovalPlan,
    CustomStatus,
    RetrainInput,
    RunRecord,
    TargetPlan,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator } from '../../src/orchestrators/retrain';
import { Answer, fakeChampion, fakeJob, fakePlan, FakeTask, runFake } from '../helpers/fakeOrchestration';

const champion = fakeChampion;
const job = fakeJob;
const planWith = (approval?: ApprovalPlan): TargetPlan =>
    fakePlan({ verify: { attempts: 1, intervalInMs: 15_000 }, ...(approval ? { approval } : {}) });
const START = new Date('2026-01-01T00:00:00Z');
const input: RetrainInput = { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/a.csv'] } };

/**
 * Answers the pipeline's activities with a passing run; at the approval race `decide` picks the
 * winner: an event with a payload (arriving `afterMs` into the wait) or the timer.
 */
function run(plan: TargetPlan, decide: (race: FakeTask[], now: Date) => Answer, passed = true) {
    const events: string[] = [];
    const answer = (task: FakeTask, now: Date): Answer => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind === 'any') {
            const evt = task.tasks.find((t) => t.kind === 'event');
            if (evt?.kind === 'event') {
                events.push(evt.name);
                return decide(task.tasks, now);
            }
            return { value: task.tasks.find((t) => t.kind === 'timer') };
        }
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        switch (task.name) {
            case Activities.loadPlan:
                return { value: plan };
            case Activities.snapshotManifest:
                return {
                    value: {
                        runKey: 'abcdef0123456789',
                        blobs: [{ name: 'churn/a.csv', etag: '"1"', contentLength: 1 }],
                    },
                };
            case Activities.submitJob:
                return { value: job };
            case Activities.getJobStatus:
                return { value: { state: 'Finished' } };
            case Activities.evaluate:
                return { value: { passed, reasons: passed ? [] : ['AUC too low'], metrics: {}, comparedTo: champion } };
            case Activities.promote:
                return { value: { before: champion.model, after: job.modelOutput } };
            case Activities.verify:
                return { value: { passed: true, reasons: [] } };
            default:
                return { value: undefined };
        }
    };
    const result = runFake(retrainOrchestrator, input, answer, { start: START });
    return { ...result, events };
}

const timerOf = (race: FakeTask[]) => race.find((t) => t.kind === 'timer')!;
const eventWith = (race: FakeTask[], payload: unknown, at: Date): Answer => {
    // As the SDK does: the winning event task itself completes, carrying the payload.
    const evt = race.find((t) => t.kind === 'event')!;
    Object.assign(evt, { isCompleted: true, result: payload });
    return { value: evt, at };
};
const names = (calls: { name: string }[]) => calls.map((c) => c.name);

describe('approval before promotion (orchestrator)', () => {
    const plan = planWith({ timeoutInMs: 3_600_000, onTimeout: 'reject' });

    it("waits on the run's own event against a timer at the deadline, then promotes on approve", () => {
        const r = run(plan, (race, now) =>
            eventWith(
                race,
                { decision: 'approve', by: 'ana', why: 'looks good', at: '2026-01-01T00:10:00.000Z' },
                new Date(now.getTime() + 600_000),
            ),
        );
        assert.equal(r.output.state, 'Promoted', r.output.reason);
        assert.deepEqual(r.events, [approvalEventName(r.output.runId)]);
        const waiting = r.statuses.find((s) => (s as CustomStatus).step === 'awaiting-approval') as CustomStatus;
        assert.equal(waiting.runId, r.output.runId);
        assert.equal(waiting.until, new Date(Date.parse(waiting.since) + 3_600_000).toISOString());
        assert.ok(
            r.timers.some((t) => t.toISOString() === waiting.until),
            'a durable timer at the deadline',
        );
        assert.equal(r.canceledTimers, 1, 'the deadline timer is cancelled once decided');
        assert.deepEqual(r.output.approval, {
            decision: 'approve',
            outcome: 'approved',
            by: 'ana',
            why: 'looks good',
            at: '2026-01-01T00:10:00.000Z',
            since: waiting.since,
            until: waiting.until,
        });
        assert.ok(names(r.calls).includes(Activities.promote));
    });

    it('ends Rejected on reject, naming who and why, without promoting', () => {
        const r = run(plan, (race, now) =>
            eventWith(race, { decision: 'reject', by: 'bo', why: 'drift in March data', at: now.toISOString() }, now),
        );
        assert.equal(r.output.state, 'Rejected');
        assert.equal(r.output.reason, 'Rejected by bo: drift in March data');
        assert.equal(r.output.approval?.decision, 'reject');
        assert.ok(!names(r.calls).includes(Activities.promote), 'no promotion');
        const recorded = r.calls.find((c) => c.name === Activities.record)!.input as RunRecord;
        assert.equal(recorded.approval?.by, 'bo', 'the decision is in the stored run record');
    });

    it('treats an event that is not an explicit approve as a rejection', () => {
        const r = run(plan, (race, now) => eventWith(race, { decision: 'yes please' }, now));
        assert.equal(r.output.state, 'Rejected');
        assert.ok(!names(r.calls).includes(Activities.promote));
    });

    it('on timeout rejects by default, with the deadline as the reason', () => {
        const r = run(plan, (race) => ({ value: timerOf(race) }));
        assert.equal(r.output.state, 'Rejected');
        assert.equal(r.output.approval?.decision, 'timeout');
        assert.equal(r.output.approval?.outcome, 'rejected');
        assert.match(r.output.reason!, /No approval decision before the deadline .*timeout policy rejects/);
        assert.ok(!names(r.calls).includes(Activities.promote));
    });

    it('on timeout promotes only when the plan says onTimeout approve', () => {
        const r = run(planWith({ timeoutInMs: 60_000, onTimeout: 'approve' }), (race) => ({ value: timerOf(race) }));
        assert.equal(r.output.state, 'Promoted');
        assert.deepEqual(
            { decision: r.output.approval?.decision, outcome: r.output.approval?.outcome },
            { decision: 'timeout', outcome: 'approved' },
        );
    });

    it('asks nobody when the gate fails, or when the plan has no approval', () => {
        const failed = run(
            plan,
            () => {
                throw new Error('no approval wait expected');
            },
            false,
        );
        assert.equal(failed.output.state, 'Rejected');
        assert.deepEqual(failed.events, []);
        const plain = run(planWith(), () => {
            throw new Error('no approval wait expected');
        });
        assert.equal(plain.output.state, 'Promoted');
        assert.equal(plain.output.approval, undefined);
        assert.ok(!plain.statuses.some((s) => (s as CustomStatus).step === 'awaiting-approval'));
    });
});
