import type { AbortSignalLike } from '@azure/abort-controller';

import type { ClientLogger } from './log';

export type { AbortSignalLike };

/**
 * The client retry layer (`@azure/core-rest-pipeline`'s default retry policy): 408 and 5xx (not
 * 501/505) and connection errors with exponential backoff, 429 and 503 after their Retry-After.
 * docs/architecture.md gives the budget this makes with the orchestrator's activity retries.
 */
export interface RetryOptions {
    /** Retries after the first attempt (default {@link DEFAULT_RETRY.maxRetries}). */
    maxRetries?: number;
    /** Base of the exponential backoff (default {@link DEFAULT_RETRY.retryDelayInMs}). */
    retryDelayInMs?: number;
    /** Cap of one computed backoff; a server's Retry-After is not capped by it. */
    maxRetryDelayInMs?: number;
    /**
     * Budget of one call, attempts and waits included: when it runs out the call fails with
     * `DeadlineExceeded`, even while waiting out a Retry-After (default 120 s).
     */
    maxRetryTimeInMs?: number;
}

/** The defaults of {@link RetryOptions} and of the per-attempt timeout. */
export const DEFAULT_RETRY = {
    maxRetries: 2,
    retryDelayInMs: 800,
    maxRetryDelayInMs: 10_000,
    maxRetryTimeInMs: 120_000,
    timeoutInMs: 60_000,
} as const;

/** What a test or tracing hook sees of each attempt. The Authorization value is redacted. */
export interface OutgoingRequest {
    operation: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body: unknown;
}

/** Construction options every client accepts. */
export interface ClientOptions {
    retryOptions?: RetryOptions;
    /** Per-attempt timeout (default 60 s). A timed-out attempt fails the call with `Timeout`: the activity layer retries it. */
    timeoutInMs?: number;
    /** Where the client's lines go; every line is redacted first. Default: the console, at RETRAINER_LOG_LEVEL. */
    logger?: ClientLogger;
    /** Observes every attempt (e.g. contract tests capturing ARM bodies). */
    onRequest?: (request: OutgoingRequest) => void;
}

/** Per-call options every client method accepts. */
export interface OperationOptions {
    abortSignal?: AbortSignalLike;
    /** Overrides the client's per-attempt timeout for this call. */
    timeoutInMs?: number;
}
