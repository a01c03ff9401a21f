import type { RunRecord } from '../orchestrators/contracts';
import { ActivityDeps } from './deps';

/**
 * Writes the run record, and for a verified promotion makes the run the champion — guarded by the
 * champion's ETag, so the champion only ever moves from the one the run was judged against.
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
    await deps.runs.saveRun(record);
}
