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
import {
    Answer,
    beforeVerdict,
    fakeChampion,
    fakeJob,
    fakePlan,
    FakeTask,
    runFake,
} from '../helpers/fakeOrchestration';

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
function run(
    plan: TargetPlan,
    decide: (race: FakeTask[], now: Date) => Answer,
    passed = true,
    claimed: (now: Date) => unknown = () => null,
) {
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
        const early = beforeVerdict(task.name, plan, job);
        if (early) return early;
        switch (task.name) {
            case Activities.evaluate:
                return {
                    value: {
                        passed,
                        reasons: passed ? [] : ['AUC too low'],
                        metrics: { auc: 0.81 },
                        comparedTo: champion,
                    },
                };
            case Activities.promote:
                return { value: { before: champion.model, after: job.modelOutput } };
            case Activities.verify:
                return { value: { passed: true, reasons: [] } };
            case Activities.readDecision:
                return { value: claimed(now) };
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

    it('shows the challenger and champion metrics while it waits, before any record exists', () => {
        const r = run(plan, (race, now) => eventWith(race, { decision: 'approve', by: 'ana', why: 'ok' }, now));
        const waiting = r.statuses.find((s) => (s as CustomStatus).step === 'awaiting-approval') as CustomStatus;
        assert.deepEqual(waiting.judged, { metrics: { auc: 0.81 }, champion: { runId: 'old-run', metrics: {} } });
    });
});

describe('approval whose event was lost (orchestrator)', () => {
    // The route claims the decision, then raises the event; a route that died in between left the claim.
    const checking = planWith({ timeoutInMs: 150_000, onTimeout: 'reject', decisionCheckEveryInMs: 60_000 });

    it('reads the claimed decision back at each check and acts on it without waiting out the deadline', () => {
        const decidedAt = new Date(START.getTime() + 90_000);
        const r = run(
            checking,
            (race) => ({ value: timerOf(race) }),
            true,
            (now) =>
                now >= decidedAt
                    ? { decision: 'approve', by: 'ana', why: 'event lost', at: decidedAt.toISOString() }
                    : null,
        );
        assert.equal(r.output.state, 'Promoted', r.output.reason);
        const reads = r.calls.filter((c) => c.name === Activities.readDecision);
        assert.equal(reads.length, 2, 'one read finds nothing, the next finds the claim');
        assert.deepEqual(reads[0].input, { target: 'churn', runId: r.output.runId });
        assert.equal(r.output.approval?.by, 'ana');
        assert.equal(r.output.approval?.at, decidedAt.toISOString());
        const waiting = r.statuses.find((s) => (s as CustomStatus).step === 'awaiting-approval') as CustomStatus;
        const since = Date.parse(waiting.since);
        assert.deepEqual(
            r.timers.filter((t) => t.getTime() > since).map((t) => t.getTime() - since),
            [60_000, 120_000],
            'a check every minute, never past the deadline',
        );
    });

    it('still times out at the deadline when nothing was claimed, reading the claim before each later wait', () => {
        const r = run(checking, (race) => ({ value: timerOf(race) }));
        assert.equal(r.output.state, 'Rejected');
        assert.equal(r.output.approval?.decision, 'timeout');
        const waiting = r.statuses.find((s) => (s as CustomStatus).step === 'awaiting-approval') as CustomStatus;
        const since = Date.parse(waiting.since);
        assert.deepEqual(
            r.timers.filter((t) => t.getTime() > since).map((t) => t.getTime() - since),
            [60_000, 120_000, 150_000],
        );
        assert.equal(r.calls.filter((c) => c.name === Activities.readDecision).length, 2);
    });

    it('a claimed rejection ends the run Rejected with who and why', () => {
        const r = run(
            checking,
            (race) => ({ value: timerOf(race) }),
            true,
            () => ({ decision: 'reject', by: 'bo', why: 'drift', at: START.toISOString() }),
        );
        assert.equal(r.output.state, 'Rejected');
        assert.equal(r.output.reason, 'Rejected by bo: drift');
        assert.ok(!names(r.calls).includes(Activities.promote));
    });
});
