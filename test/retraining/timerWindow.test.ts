import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseSchedule } from '../../src/retraining/ncrontab';
import { FIRST_TICK_LOOKBACK_IN_MS, tickWindowStart } from '../../src/retraining/timerWindow';

const now = new Date('2026-11-27T00:25:00.000Z');
const daily3am = parseSchedule('0 0 3 * * *');

describe('tickWindowStart', () => {
    it('starts at the previous tick when the host reports one', () => {
        assert.equal(tickWindowStart('2026-11-27T00:20:00.000Z', now).toISOString(), '2026-11-27T00:20:00.000Z');
    });

    it('treats the hosts’ no-status sentinels as no previous tick, so a 3 am schedule is not due at 00:25', () => {
        for (const sentinel of ['0001-01-01T00:00:00', new Date(0).toISOString(), undefined, 'not a date']) {
            const since = tickWindowStart(sentinel, now);
            assert.equal(now.getTime() - since.getTime(), FIRST_TICK_LOOKBACK_IN_MS, String(sentinel));
            assert.ok(daily3am.next(since).getTime() > now.getTime(), String(sentinel));
        }
    });

    it('catches up an occurrence missed during a short outage, but not a week of them', () => {
        const since = tickWindowStart('2026-11-26T02:00:00.000Z', now);
        assert.equal(daily3am.next(since).toISOString(), '2026-11-26T03:00:00.000Z');
        const stale = tickWindowStart('2026-11-20T00:00:00.000Z', now);
        assert.ok(daily3am.next(stale).getTime() > now.getTime());
    });

    it('ignores a last tick in the future (clock skew)', () => {
        const since = tickWindowStart('2026-11-27T01:00:00.000Z', now);
        assert.equal(now.getTime() - since.getTime(), FIRST_TICK_LOOKBACK_IN_MS);
    });
});
