import * as df from 'durable-functions';

import { callActivity } from './callActivity';
import { Activities, ActivityInput, ActivityKey, ActivityOutput } from './contracts';

/** The value of `ClaimPending.claimPending`: tells a pending answer from any step result. */
export const CLAIM_HELD = 'claim-held';

/**
 * What a side-effecting activity (submit, promote, rollback) returns when another copy of it holds
 * the step's claim: it did nothing, and the orchestrator should ask again after a durable timer.
 */
export interface ClaimPending {
    claimPending: typeof CLAIM_HELD;
    /** The claim marker's blob name, for the log. */
    claim: string;
    /** The longest the holder can keep the claim without renewing it (its lease length), in ms. */
    retryAfterInMs: number;
}

/**
 * How many times one claimed step is asked again before the run fails. Each wait is at most the
 * claim's lease length (15 s), so this allows well over the 5 min an activity may run in Azure
 * (Durable `functionTimeout`/work item visibility), after which a holder that still renews is stuck.
 */
export const MAX_CLAIM_WAITS = 60;

/** The activities that claim before acting: those whose output may be a ClaimPending. */
export type ClaimedKey = {
    [K in ActivityKey]: ClaimPending extends ActivityOutput<K> ? K : never;
}[ActivityKey];

/** True when an activity's result says another copy holds the claim. */
export function isClaimPending(value: unknown): value is ClaimPending {
    return (
        typeof value === 'object' && value !== null && (value as { claimPending?: unknown }).claimPending === CLAIM_HELD
    );
}

/**
 * Calls a claimed activity until it answers with a result rather than "pending": between calls a
 * durable timer waits `firstWaitInMs`, doubling, capped at the claim's lease length (a dead
 * holder's claim is free by then). Histories recorded before claims existed never hold a pending
 * answer, so they replay with the very same actions.
 * @throws Error after MAX_CLAIM_WAITS pending answers; whatever the activity throws beyond its retries.
 */
export function* callClaimed<K extends ClaimedKey>(
    context: df.OrchestrationContext,
    key: K,
    retry: df.RetryOptions,
    input: ActivityInput<K>,
    firstWaitInMs: number,
): Generator<df.Task, Exclude<ActivityOutput<K>, ClaimPending>, unknown> {
    let wait = Math.max(1, firstWaitInMs);
    for (let waits = 0; ; waits++) {
        const out: ActivityOutput<K> = yield* callActivity(context, key, input, retry);
        // Not pending, so the step's own result (TypeScript does not narrow a generic's union).
        if (!isClaimPending(out)) return out as Exclude<ActivityOutput<K>, ClaimPending>;
        if (waits >= MAX_CLAIM_WAITS)
            throw new Error(`Step '${Activities[key]}': the claim '${out.claim}' stayed held by another copy.`);
        const now = context.df.currentUtcDateTime.getTime();
        yield context.df.createTimer(new Date(now + Math.min(wait, out.retryAfterInMs)));
        wait *= 2;
    }
}
