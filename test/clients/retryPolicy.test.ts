import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { backoffDelay, isRetryableStatus, parseRetryAfter } from '../../src/clients/retryPolicy';

describe('retry policy', () => {
    it('retries throttling, timeouts and server errors, not client errors', () => {
        for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
        for (const s of [400, 401, 403, 404, 409, 501]) assert.equal(isRetryableStatus(s), false, String(s));
    });

    it('reads Retry-After as seconds, as an HTTP date, and the -ms variants', () => {
        const now = Date.parse('2024-01-01T00:00:00Z');
        assert.equal(parseRetryAfter({ 'retry-after': '3' }, now), 3000);
        assert.equal(parseRetryAfter({ 'retry-after': 'Mon, 01 Jan 2024 00:00:05 GMT' }, now), 5000);
        assert.equal(parseRetryAfter({ 'retry-after': 'Sun, 31 Dec 2023 00:00:05 GMT' }, now), 0);
        assert.equal(parseRetryAfter({ 'retry-after-ms': '250' }, now), 250);
        assert.equal(parseRetryAfter({ 'x-ms-retry-after-ms': '120', 'retry-after': '9' }, now), 120);
        assert.equal(parseRetryAfter({ 'retry-after': 'soon' }, now), undefined);
        assert.equal(parseRetryAfter({}, now), undefined);
    });

    it('backs off exponentially with bounded jitter and a cap', () => {
        assert.equal(
            backoffDelay(0, 100, 10_000, () => 0.5),
            100,
        );
        assert.equal(
            backoffDelay(3, 100, 10_000, () => 0.5),
            800,
        );
        assert.equal(
            backoffDelay(3, 100, 10_000, () => 0),
            640,
        );
        assert.equal(
            backoffDelay(3, 100, 10_000, () => 0.999),
            960,
        );
        assert.equal(
            backoffDelay(20, 100, 5000, () => 0.999),
            5000,
        );
    });
});
