/** Without a usable last tick, look back this far for due occurrences. */
export const FIRST_TICK_LOOKBACK_IN_MS = 60_000;
/** After a longer outage only the last day's occurrences are caught up, not every one since. */
export const MAX_CATCH_UP_IN_MS = 24 * 60 * 60 * 1000;

/**
 * Where a timer tick starts looking for due target schedules: the previous tick, as the host's
 * schedule status reports it. A host with no status reports a sentinel instead (the real one
 * `0001-01-01`, the dev host the epoch), which must not make every daily schedule look overdue.
 */
export function tickWindowStart(last: string | undefined, now: Date): Date {
    const lastTime = last ? Date.parse(last) : NaN;
    const usable =
        Number.isFinite(lastTime) && lastTime < now.getTime() && now.getTime() - lastTime <= MAX_CATCH_UP_IN_MS;
    return new Date(usable ? lastTime : now.getTime() - FIRST_TICK_LOOKBACK_IN_MS);
}
