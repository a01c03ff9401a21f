import * as df from 'durable-functions';

import { callActivity } from './callActivity';
import type { CancelWatch } from './cancellation';
import { ApprovalDecisionEvent, approvalEventName, ApprovalPlan, ApprovalRecord, CustomStatus } from './contracts';

/**
 * Waits for a person's decision on run `runId`, raced against a durable timer at `since +
 * plan.timeoutInMs`; every `plan.decisionCheckEveryInMs` it reads the decision the routes claimed
 * (activity `readDecision`), so a decision whose event was lost still counts. No activity is held
 * open. Both the start and the timer are in the
 * orchestration's history, so a host that crashes while waiting resumes with the original deadline.
 * Sets the custom status to `awaiting-approval` with `since` and `until` (on top of `status`).
 * Returns what the record keeps; `outcome` is `approved` only for an approve decision, or for a
 * timeout when the plan says `onTimeout: 'approve'`. Anything in the event other than an explicit
 * `approve` counts as a rejection, so a malformed event can never promote a model. With `watch`, a
 * cancel request ends the wait too (it throws RunCancelledSignal).
 */
export function* awaitApproval(
    context: df.OrchestrationContext,
    plan: ApprovalPlan,
    target: string,
    runId: string,
    status: CustomStatus,
    watch?: CancelWatch,
): Generator<df.Task, ApprovalRecord, unknown> {
    const start = context.df.currentUtcDateTime;
    const since = start.toISOString();
    const deadline = new Date(start.getTime() + plan.timeoutInMs);
    const until = deadline.toISOString();
    const waiting: CustomStatus = { ...status, step: 'awaiting-approval', since, until };
    context.df.setCustomStatus(waiting);

    const event = context.df.waitForExternalEvent(approvalEventName(runId));
    for (;;) {
        const now = context.df.currentUtcDateTime.getTime();
        const check = plan.decisionCheckEveryInMs;
        // Plans without `decisionCheckEveryInMs` wait on the deadline alone (their histories replay).
        const wakeAt = check === undefined ? deadline.getTime() : Math.min(now + check, deadline.getTime());
        let timer: df.TimerTask;
        let decided: boolean;
        if (watch) {
            const won = yield* watch.any(() => [context.df.createTimer(new Date(wakeAt)), event]);
            [timer] = won.tasks;
            decided = won.index === 1;
        } else {
            timer = context.df.createTimer(new Date(wakeAt));
            decided = (yield context.df.Task.any([timer, event])) === event;
        }
        if (decided) {
            timer.cancel();
            return recordOf(event.result, since, until, context);
        }
        if (wakeAt >= deadline.getTime()) {
            return {
                decision: 'timeout',
                outcome: plan.onTimeout === 'approve' ? 'approved' : 'rejected',
                at: until,
                since,
                until,
            };
        }
        // The route claims a decision before it raises the event; one that died in between left
        // the claim only, so the claim is read back rather than waiting out the deadline.
        const claimed = yield* callActivity(context, 'readDecision', { target, runId });
        if (claimed) return recordOf(claimed, since, until, context);
    }
}

function recordOf(raw: unknown, since: string, until: string, context: df.OrchestrationContext): ApprovalRecord {
    const got = decisionOf(raw);
    return {
        decision: got.decision,
        outcome: got.decision === 'approve' ? 'approved' : 'rejected',
        by: got.by,
        why: got.why,
        at: got.at ?? context.df.currentUtcDateTime.toISOString(),
        since,
        until,
    };
}

/** The reason a run ends Rejected for `approval` (an `approved` outcome has none). */
export function rejectionReason(approval: ApprovalRecord): string {
    if (approval.decision === 'timeout') {
        return `No approval decision before the deadline ${approval.until}; the timeout policy rejects the model.`;
    }
    return `Rejected by ${approval.by ?? 'an unnamed approver'}: ${approval.why ?? 'no reason given'}`;
}

/** Reads the event payload defensively: only the routes raise it, but nothing else may approve. */
function decisionOf(raw: unknown): { decision: 'approve' | 'reject'; by: string; why: string; at?: string } {
    const fields = new Map<string, unknown>(typeof raw === 'object' && raw !== null ? Object.entries(raw) : []);
    const text = (key: keyof ApprovalDecisionEvent): string | undefined => {
        const v = fields.get(key);
        return typeof v === 'string' ? v : undefined;
    };
    const decision = text('decision') === 'approve' ? 'approve' : 'reject';
    return {
        decision,
        by: text('by') ?? 'unknown',
        why: text('why') ?? (decision === 'approve' ? '' : 'the decision could not be read'),
        at: text('at'),
    };
}
