import * as df from 'durable-functions';

import { callActivity } from './callActivity';
import { CustomStatus, ManifestBlob, ManifestSnapshot, RetrainInput, RunRecord, RunTrigger } from './contracts';
import { bareEtag, finalLook, listedWrites } from './arrivals';
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

/**
 * The trigger for the data that arrived between two listings, or undefined when none did. Only a
 * write the earlier listing did not see starts a run, as with the blob trigger: a new file, or a new
 * version of a listed one (unless it holds the very rows the run trained: an identical re-upload).
 * The run key also changes when the set of files to train changes without any write: a file
 * deleted, excluded or quarantined (by this very run, when it ended Rejected), which can pull a
 * file the run listed but left out (outside the window, say) into the set. That is no new data; a
 * run for it would be named after a file nobody uploaded, and after a quarantining rejection it
 * would be rejected and quarantine the next file in turn.
 */
export function arrivalSince(used: ManifestSnapshot, now: ManifestSnapshot): RunTrigger | undefined {
    const seen = new Set(listedWrites(used).map((w) => `${w.blobName}\0${w.etag}`));
    const trained = new Set(used.blobs.map(identity));
    const arrived = now.blobs.find((b) => !seen.has(`${b.name}\0${bareEtag(b.etag)}`) && !trained.has(identity(b)));
    return arrived ? { kind: 'blob', blobName: arrived.name } : undefined;
}

/**
 * What the run key hashes for a file (as `retraining/runKey.ts` does): its content hash, so an
 * identical re-upload by any tool is no new data; older manifests fall back to the MD5 or ETag.
 */
function identity(b: ManifestBlob): string {
    if (b.contentHash) return `${b.name}\0sha256:${b.contentHash}`;
    return `${b.name}\0${b.contentMd5 ? `md5:${b.contentMd5}` : `etag:${b.etag}`}`;
}
