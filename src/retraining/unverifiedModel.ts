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
 * How many of a target's newest runs GET /api/targets and the status page read for
 * `unverifiedModel`: both read the same number, so they never disagree (older runs are not looked at).
 */
export const UNVERIFIED_MODEL_RECENT_RUNS = 10;

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

/**
 * The warning in words, as `retrainer status` prints it after `WARNING:` and the status page shows
 * it: the run, that it failed verification, why its rollback failed, and what clears it.
 */
export function unverifiedModelNote(u: UnverifiedModel): string {
    return `the endpoint may be serving run ${u.runId}'s model, which failed verification, not the champion's: its rollback failed too (${u.reason}). A run that promotes a model that passes replaces it.`;
}
