import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseHostSchedule, parseSchedule, ScheduleError } from '../../src/retraining/ncrontab';

const at = (iso: string): Date => new Date(iso);

describe('NCRONTAB schedules', () => {
    it('computes next occurrences of 6-field expressions (UTC)', () => {
        assert.equal(
            parseSchedule('0 */5 * * * *').next(at('2025-01-01T10:03:10Z')).toISOString(),
            '2025-01-01T10:05:00.000Z',
        );
        assert.equal(
            parseSchedule('*/10 * * * * *').next(at('2025-01-01T10:03:10Z')).toISOString(),
            '2025-01-01T10:03:20.000Z',
        );
        assert.equal(
            parseSchedule('0 30 9 * * 1-5').next(at('2025-01-04T12:00:00Z')).toISOString(),
            '2025-01-06T09:30:00.000Z',
        );
        assert.equal(
            parseSchedule('0 0 0 1 1 *').next(at('2025-06-01T00:00:00Z')).toISOString(),
            '2026-01-01T00:00:00.000Z',
        );
        assert.equal(
            parseSchedule('0 0 12 * * SUN').next(at('2025-01-01T00:00:00Z')).toISOString(),
            '2025-01-05T12:00:00.000Z',
        );
        assert.equal(
            parseSchedule('0 0 0 29 FEB *').next(at('2025-01-01T00:00:00Z')).toISOString(),
            '2028-02-29T00:00:00.000Z',
        );
        assert.equal(
            parseSchedule('5,35 * * * * *').next(at('2025-01-01T00:00:05Z')).toISOString(),
            '2025-01-01T00:00:35.000Z',
        );
    });

    it('refuses 5 fields for the host timer (parseHostSchedule) but keeps 6 fields and TimeSpans', () => {
        assert.throws(() => parseHostSchedule('*/15 * * * *', 'T'), /T '\*\/15 \* \* \* \*' has 5 fields/);
        assert.equal(
            parseHostSchedule('0 */15 * * * *').next(at('2025-01-01T00:07:00Z')).toISOString(),
            '2025-01-01T00:15:00.000Z',
        );
        assert.ok(parseHostSchedule('00:00:30'));
        assert.throws(() => parseHostSchedule('nope', 'T'), /^ScheduleError: T: /);
    });

    it('accepts a 5-field expression as second 0 and a TimeSpan interval', () => {
        assert.equal(
            parseSchedule('*/15 * * * *').next(at('2025-01-01T00:07:00Z')).toISOString(),
            '2025-01-01T00:15:00.000Z',
        );
        assert.equal(
            parseSchedule('00:00:30').next(at('2025-01-01T00:00:00Z')).toISOString(),
            '2025-01-01T00:00:30.000Z',
        );
        assert.equal(
            parseSchedule('1.00:00:00').next(at('2025-01-01T00:00:00Z')).toISOString(),
            '2025-01-02T00:00:00.000Z',
        );
    });

    it('rejects malformed schedules by name', () => {
        assert.throws(() => parseSchedule('0 0 25 * * *'), ScheduleError);
        assert.throws(() => parseSchedule('* * *'), ScheduleError);
        assert.throws(() => parseSchedule('0 */0 * * * *'), ScheduleError);
    });
});
