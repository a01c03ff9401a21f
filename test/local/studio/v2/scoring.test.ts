import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ScoringCounters } from '../../../../src/local/studio/v2/scoring';

describe("the emulator's per-deployment scoring counters", () => {
    it('count a window [from, to) of answered calls, apart from the cumulative totals', () => {
        const c = new ScoringCounters();
        c.record('d1', 200, 10, 1_000);
        c.record('d1', 500, 30, 2_000);
        c.record('d1', 404, 5, 2_500);
        c.record('d1', 200, 50, 3_000);
        c.record('d2', 200, 7, 2_000);
        assert.deepEqual(c.window('d1', 2_000, 3_000), {
            requests: 2,
            errors: 1,
            clientErrors: 1,
            latencySumInMs: 35,
            latencyMaxInMs: 30,
            fromMs: 2_000,
            toMs: 3_000,
            truncated: false,
        });
        assert.equal(c.window('d1', 0, 10_000).requests, 4);
        assert.equal(c.window('d1', 3_001, 10_000).requests, 0);
        assert.equal(c.window('unknown', 0, 10_000).requests, 0);
        assert.deepEqual(c.get('d1'), {
            requests: 4,
            errors: 1,
            clientErrors: 1,
            latencySumInMs: 95,
            latencyMaxInMs: 50,
        });
    });

    it('keep a bounded ring per deployment and say when a window lost calls to it', () => {
        const c = new ScoringCounters(3);
        for (let t = 1; t <= 5; t++) c.record('d', 200, t, t * 100);
        // Calls at 100 and 200 were pushed out; 300, 400, 500 are kept.
        assert.deepEqual(
            { ...c.window('d', 300, 1_000) },
            {
                requests: 3,
                errors: 0,
                clientErrors: 0,
                latencySumInMs: 12,
                latencyMaxInMs: 5,
                fromMs: 300,
                toMs: 1_000,
                truncated: false,
            },
        );
        const lost = c.window('d', 200, 1_000);
        assert.equal(lost.truncated, true);
        assert.equal(lost.requests, 3);
        assert.equal(c.get('d').requests, 5);
        assert.throws(() => new ScoringCounters(0), RangeError);
    });
});
