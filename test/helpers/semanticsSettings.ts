import {
    ABORTED_COMMIT_SHARE_ENV,
    DUPLICATE_ACTIVITIES_ENV,
    DUPLICATE_SHARE_ENV,
} from '../../src/local/host/semantics/activities';
import { SEMANTICS_SEED_ENV } from '../../src/local/host/semantics/profile';
import { IDLE_CAP_ENV } from '../../src/local/host/semantics/queues';

/**
 * App settings for the dev host's `azure` semantics profile as the suites that count side effects
 * run it (claims, Azure ML rollout): a fixed `seed`; every activity in `activities` run as two
 * copies at once, and a fifth of the others; 30% of the commits that send activity work aborted
 * and their work re-sent; idle queues backing off to 1 s; a timer tick every 2 s.
 */
export function duplicatedActivitySettings(seed: number, activities: readonly string[]): Record<string, string> {
    return {
        [SEMANTICS_SEED_ENV]: String(seed),
        [DUPLICATE_ACTIVITIES_ENV]: activities.join(','),
        [DUPLICATE_SHARE_ENV]: '0.2',
        [ABORTED_COMMIT_SHARE_ENV]: '0.3',
        // 20x the 50 ms poll: idle queues back off to 1 s, Azure's 30 s scaled down as in
        // arrivals.semantics (at 30 s every durable timer and activity hop of a run could wait 30 s).
        [IDLE_CAP_ENV]: '1000',
        // The profile drops a share of blob events (semantics/events.ts), as Event Grid may; the
        // catch-up pass of the next timer tick trains such an upload. The default test schedule
        // ticks once a year, so a dropped upload never ran ("run N did not happen").
        RETRAINER_TIMER_SCHEDULE: '*/2 * * * * *',
    };
}
