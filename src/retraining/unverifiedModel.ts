import type { RunRecord } from '../orchestrators/contracts';

/** A run whose model the endpoint may be serving although it failed verification (its rollback failed too). */
export interface UnverifiedModel {
    runId: string;
    /** The run's one-line reason: what verification found and why the rollback failed. */
    reason: string;
    /** When the run began its rollback (ISO; its `timings['rolling-back']`). */
    at: string;
}

/**
 * Given a target's runs newest first, the newest run that changed the endpoint (one with a
 * `promotion`; later runs that did not promote leave the endpoint as it was) when its rollback
 * failed; undefined when that run's model passed or was rolled back, or no run in `runs` promoted.
 */
export function unverifiedModel(runs: readonly RunRecord[]): UnverifiedModel | undefined {
    const last = runs.find((r) => r.promotion !== undefined);
    if (!last?.rollbackFailed) return undefined;
    return {
        runId: last.runId,
        reason: last.reason ?? '',
        at: last.timings['rolling-back'] ?? last.timings.recording ?? '',
    };
}
