import type { RunRecord } from '../orchestrators/contracts';
import { filesToQuarantine, withQuarantine } from '../retraining/dataPolicy';
import { DataStateStore } from '../retraining/dataState';
import { ActivityDeps, targetOf } from './deps';

/**
 * Writes the run record, and for a verified promotion makes the run the champion — guarded by the
 * champion's ETag, so the champion only ever moves from the one the run was judged against. For a
 * Rejected run of a target whose `dataPolicy.onRejected` is `quarantine`, first quarantines the
 * files it brought over the champion's data (idempotent: the activity may run twice), so that by
 * the time the record is readable, later runs leave them out. Last, deletes the run's cancel
 * request claim (and those of earlier executions that never recorded): once the run is recorded
 * the cancel route answers 409 for it, so the claim has no reader left. Idempotent too, and keyed
 * by the time the run began recording, so a late copy never deletes a later run's claim.
 * @throws RestError for a storage failure (the activity is retried, and every write repeats safely)
 */
export async function recordRun(deps: ActivityDeps, record: RunRecord): Promise<void> {
    if (record.state === 'Promoted' && record.promotion && record.verdict) {
        const current = await deps.runs.getChampion(record.target);
        if (current?.champion.runId !== record.runId) {
            await deps.runs.setChampion(
                record.target,
                {
                    runId: record.runId,
                    model: record.promotion.after,
                    metrics: record.verdict.metrics,
                    promotedAt: deps.now().toISOString(),
                    lineage: [...(current?.champion.lineage ?? []), record.runId],
                },
                current?.etag ?? null,
            );
        }
    }
    if (
        record.state === 'Rejected' &&
        record.manifest &&
        targetOf(deps, record.target).dataPolicy.onRejected === 'quarantine'
    ) {
        await quarantineRun(deps, record);
    }
    await deps.runs.saveRun(record);
    const recordingAt = record.timings.recording;
    if (recordingAt !== undefined) {
        await deps.runs.releaseCancelRequestsUpTo(record.target, record.instanceId, recordingAt);
    }
}

async function quarantineRun(deps: ActivityDeps, record: RunRecord): Promise<void> {
    const championRunId = record.verdict?.comparedTo?.runId;
    const champion = championRunId ? await deps.runs.getRun(record.target, championRunId) : undefined;
    // Never quarantine the champion's own data because its record could not be read.
    if (championRunId && !champion?.manifest) return;
    const files = filesToQuarantine(record.manifest?.blobs ?? [], champion?.manifest?.blobs);
    if (files.length === 0) return;
    // The run's own clock: a retried record writes the same time.
    const at = record.timings.recording ?? deps.now().toISOString();
    await new DataStateStore(deps.runs.stateContainer).update(record.target, (s) => {
        const next = withQuarantine(s, record.runId, files, at);
        return JSON.stringify(next.quarantined) === JSON.stringify(s.quarantined) ? s : next;
    });
}
