/**
 * When to retry and how long to wait. Pure functions so the policy is unit-tested without HTTP.
 */
export const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
    return RETRYABLE_STATUS.has(status);
}

/**
 * Parses Retry-After (delta-seconds or an HTTP date) and the Azure `retry-after-ms` /
 * `x-ms-retry-after-ms` variants into milliseconds; undefined when absent or unparseable.
 */
export function parseRetryAfter(headers: Record<string, string | undefined>, nowMs: number): number | undefined {
    for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
        const v = headers[name];
        if (v !== undefined && /^\d+(\.\d+)?$/.test(v.trim())) return Math.ceil(Number(v));
    }
    const raw = headers['retry-after']?.trim();
    if (!raw) return undefined;
    if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
    const at = Date.parse(raw);
    if (Number.isNaN(at)) return undefined;
    return Math.max(0, at - nowMs);
}

/**
 * Capped exponential backoff with ±20% jitter: attempt 0 waits about `baseMs`, doubling after.
 * The jitter spreads retries of many callers hit by the same throttling.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
    const exp = Math.min(maxMs, baseMs * 2 ** attempt);
    const jittered = exp * (0.8 + 0.4 * random());
    return Math.round(Math.min(maxMs, jittered));
}
