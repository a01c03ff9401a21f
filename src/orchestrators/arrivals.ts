import * as df from 'durable-functions';

import { listedWrites } from '../retraining/arrivals';
import { callActivity } from './callActivity';
import { ArrivalsInput, ArrivalsView, CustomStatus, RetrainInput, RunRecord, RunTrigger } from './contracts';
import { messageOf } from './messageOf';

/**
 * The orchestrator's side of the target's outbox (src/retraining/outbox.ts). Raised events are
 * hints the runtime may drop (a Pending instance, a finishing run, a lost start race); the outbox is
 * what the run decides on. Only plans with `outbox` call these, so older histories replay unchanged.
 */

function call(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    input: ArrivalsInput,
): Generator<df.Task, ArrivalsView, unknown> {
    return callActivity(context, 'arrivals', input, retry);
}

/** Before the run lists storage: every arrival recorded so far is covered by that listing. */
export function* takeArrivals(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    target: string,
): Generator<df.Task, void, unknown> {
    try {
        yield* call(context, retry, { target, op: 'take', instanceId: context.df.instanceId });
    } catch (err) {
        // Untaken arrivals stay pending: the final look then starts one more run, which skips if nothing changed.
        if (!context.df.isReplaying) context.warn(`Could not take the outbox of '${target}': ${messageOf(err)}`);
    }
}

/**
 * While debouncing, after the quiet timer fired: when the newest recorded arrival is more recent
 * than the quiet period (its event was dropped), the time the quiet period really ends; else undefined.
 */
export function* quietUntilFromOutbox(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    target: string,
    quietPeriodInMs: number,
): Generator<df.Task, number | undefined, unknown> {
    let view: ArrivalsView;
    try {
        view = yield* call(context, retry, { target, op: 'peek', instanceId: context.df.instanceId });
    } catch (err) {
        if (!context.df.isReplaying) context.warn(`Could not read the outbox of '${target}': ${messageOf(err)}`);
        return undefined;
    }
    if (!view.latestAt) return undefined;
    const until = Date.parse(view.latestAt) + quietPeriodInMs;
    return until > context.df.currentUtcDateTime.getTime() ? until : undefined;
}

/**
 * The run's final look, after it is recorded and found no new data by listing: a blob arrival still
 * pending (written after the run's take) starts the next run; when none is, the outbox is marked
 * closed by this run, so a trigger writing later knows this run will not look again and leaves the
 * arrival to the catch-up pass instead of raising an event that would be dropped.
 */
export function* finalLook(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    input: RetrainInput,
    record: RunRecord,
): Generator<df.Task, RunTrigger | undefined, unknown> {
    const status: CustomStatus = {
        step: 'checking-for-new-data',
        runId: record.runId,
        since: context.df.currentUtcDateTime.toISOString(),
    };
    context.df.setCustomStatus(status);
    let view: ArrivalsView;
    try {
        view = yield* call(context, retry, {
            target: input.target,
            op: 'close',
            instanceId: context.df.instanceId,
            runId: record.runId,
            listed: listedWrites(record.manifest),
        });
    } catch (err) {
        // Left pending: the timer's catch-up pass starts the run.
        if (!context.df.isReplaying)
            context.warn(`Could not take the final look at the outbox of '${input.target}': ${messageOf(err)}`);
        return undefined;
    }
    return view.pending > 0 && view.blobName ? { kind: 'blob', blobName: view.blobName } : undefined;
}
