import * as df from 'durable-functions';

import { arrivalSince } from '../retraining/arrivals';
import { callActivity } from './callActivity';
import { CustomStatus, ManifestSnapshot, RetrainInput, RunRecord, RunTrigger } from './contracts';
import { finalLook } from './arrivals';
import { messageOf } from './messageOf';

/**
 * After a run is recorded: did a training file arrive (or change) while it ran? Its trigger event
 * came while nobody was waiting for it and dies with this execution, so without a fresh look the
 * file would wait for the next upload or the daily schedule. Returns the trigger for the next run,
 * or undefined when the data is what the run used (a Skipped run's data always is, so this cannot loop).
 */
export function* followUpTrigger(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    input: RetrainInput,
    record: RunRecord,
    outbox = false,
): Generator<df.Task, RunTrigger | undefined, unknown> {
    const byData = yield* lookAgain(context, retry, input, record);
    // With an outbox (plans that have it), the arrivals written after the run's take decide too.
    if (byData || !outbox) return byData;
    return yield* finalLook(context, retry, input, record);
}

function* lookAgain(
    context: df.OrchestrationContext,
    retry: df.RetryOptions,
    input: RetrainInput,
    record: RunRecord,
): Generator<df.Task, RunTrigger | undefined, unknown> {
    // A call that named its files chose them; one that failed before listing any has nothing to compare.
    if (input.trigger.kind === 'http' && input.trigger.blobNames !== undefined) return undefined;
    const used = record.manifest;
    if (!used) return undefined;
    const status: CustomStatus = {
        step: 'checking-for-new-data',
        runId: record.runId,
        since: context.df.currentUtcDateTime.toISOString(),
    };
    context.df.setCustomStatus(status);
    let now: ManifestSnapshot;
    try {
        now = yield* callActivity(context, 'snapshotManifest', { target: input.target, trigger: input.trigger }, retry);
    } catch (err) {
        // The run is recorded; at worst a late file waits for the next trigger, as it did before.
        if (!context.df.isReplaying)
            context.warn(`Could not look for data that arrived during the run: ${messageOf(err)}`);
        return undefined;
    }
    if (now.runKey === used.runKey) return undefined;
    return arrivalSince(used, now);
}
