import type { ClientLogger } from './log';

/** The subset of AbortSignal the clients use (matches @azure/abort-controller's AbortSignalLike). */
export interface AbortSignalLike {
    readonly aborted: boolean;
    addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
    removeEventListener(type: 'abort', listener: () => void): void;
}

export interface RetryOptions {
    /** Retries after the first attempt (default 4). */
    maxRetries?: number;
    /** Base of the exponential backoff (default 800 ms). */
    retryDelayInMs?: number;
    /** Cap of one computed backoff; a server's Retry-After is honoured even above it (default 30 s). */
    maxRetryDelayInMs?: number;
    /** Total budget for one operation, attempts and waits included (default 120 s). */
    maxRetryTimeInMs?: number;
}

/** What a test or tracing hook sees of each attempt. Headers are already redacted. */
export interface OutgoingRequest {
    operation: string;
    method: string;
    url: string;
    headers: Record<string, string>;
    body: unknown;
}

export interface ClientOptions {
    retryOptions?: RetryOptions;
    /** Per-attempt timeout (default 60 s). */
    timeoutInMs?: number;
    logger?: ClientLogger;
    /** Observes every attempt (e.g. contract tests capturing ARM bodies). */
    onRequest?: (request: OutgoingRequest) => void;
    /** Injected for tests: waits between attempts; resolves false when aborted. */
    sleep?: (ms: number, abortSignal?: AbortSignalLike) => Promise<boolean>;
    /** Injected for tests: jitter source in [0, 1). */
    random?: () => number;
    /** Injected for tests: the clock the total deadline is measured with. */
    now?: () => number;
}

/** Per-call options every client method accepts. */
export interface OperationOptions {
    abortSignal?: AbortSignalLike;
    /** Overrides the client's per-attempt timeout for this call. */
    timeoutInMs?: number;
}
