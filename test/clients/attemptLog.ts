import type { ClientLogger } from '../../src/clients/log';

/**
 * A client logger that keeps every line with the time it arrived, so a test can see how long the
 * pipeline waited between a failed attempt and the next (the log policy writes one line as each
 * attempt starts and one when it fails).
 */
export interface AttemptLog {
    logger: ClientLogger;
    lines: string[];
    /** For each retry: the time from the failed attempt's line to the next attempt's start, in ms. */
    waitsInMs(): number[];
}

export function attemptLog(): AttemptLog {
    const entries: { atInMs: number; line: string }[] = [];
    const push = (line: string): void => void entries.push({ atInMs: performance.now(), line });
    return {
        logger: { error: push, warning: push, info: push, verbose: push },
        get lines() {
            return entries.map((e) => e.line);
        },
        waitsInMs() {
            const waits: number[] = [];
            let failedAt: number | undefined;
            for (const { atInMs, line } of entries) {
                const m = / attempt (\d+): (.*)$/.exec(line);
                if (!m) continue;
                const isStart = /^(GET|POST|PUT|PATCH|DELETE) /.test(m[2]);
                if (isStart && failedAt !== undefined && m[1] !== '1') waits.push(atInMs - failedAt);
                failedAt = isStart ? undefined : atInMs;
            }
            return waits;
        },
    };
}
