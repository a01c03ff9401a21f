import type { CancellationRecord } from '../orchestrators/contracts';

/** What {@link lateCancelNote} reads of a run record's `cancellation` (a client's copy of it will do). */
export type LateCancelFields = Pick<CancellationRecord, 'by' | 'at' | 'why' | 'step' | 'declined'> & {
    honoured?: boolean;
};

/**
 * One line for people about a cancel request that reached the run too late to stop it (a run
 * record's `cancellation` with `honoured: false`, see `CancellationRecord` in
 * src/orchestrators/contracts.ts), e.g. `Cancel asked by ana at 2026-…Z ("wrong file") came too
 * late: the run was already promoting (past the last point a run can stop), so it went on.`
 * The one wording `retrainer runs`, `retrainer cancel --wait` and the status page's run view use.
 * Undefined when there was no request, or it stopped the run.
 */
export function lateCancelNote(cancellation: LateCancelFields | undefined): string | undefined {
    if (!cancellation || cancellation.honoured !== false) return undefined;
    const { by, at, why, step, declined } = cancellation;
    // `declined` opens with its own "Too late:" (src/orchestrators/retrain.ts); said once here.
    const reason = declined?.replace(/^too late:\s*/i, '') || `the run was already ${step}, so it went on.`;
    return `Cancel asked by ${by} at ${at}${why ? ` ("${why}")` : ''} came too late: ${reason}`;
}
