import type { TokenCredential } from '@azure/core-auth';
import {
    createDefaultHttpClient,
    createEmptyPipeline,
    createHttpHeaders,
    createPipelineRequest,
    defaultRetryPolicy,
    HttpClient,
    isRestError,
    Pipeline,
    PipelineResponse,
} from '@azure/core-rest-pipeline';

import { isMlServiceError, MlServiceError } from './errors';
import { ClientLogger, createClientLogger, redactingLogger } from './log';
import { AbortSignalLike, ClientOptions, DEFAULT_RETRY, OperationOptions } from './options';
import { apiKeyPolicy, bearerTokenPolicy, logPolicy, nameRequest, REDACTION_POLICY, redactionPolicy } from './policies';
import { SecretSet } from './redact';
import { parseServiceError } from './serviceError';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call of a client method. */
export interface ServiceRequest {
    /** Names the operation in errors and logs, e.g. `BES submitJob`. */
    operation: string;
    method: HttpMethod;
    url: string;
    /** Sent as JSON. */
    body?: unknown;
    /** Statuses that count as success; anything else throws. */
    expectedStatus: readonly number[];
    options?: OperationOptions;
}

export interface ServiceResponse {
    status: number;
    /** Lower-case header names. */
    headers: Record<string, string>;
    /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
    body: unknown;
    requestId: string | undefined;
}

/** How a client authenticates: an API key (classic services) or a token credential and scope (ARM). */
export type ClientAuth = { apiKey: string } | { credential: TokenCredential; scope: string };

/** Statuses a later call may get past; `transient` on the error tells the activity layer. */
const TRANSIENT_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** One connection pool for every client of the process (keep-alive sockets are per origin). */
let sharedHttpClient: HttpClient | undefined;

/**
 * The HTTP path of every client: an `@azure/core-rest-pipeline` pipeline (core's default retry
 * policy, then auth, redaction and logging per attempt), a per-call budget, and the mapping of
 * whatever comes back onto `MlServiceError`. It has no retry loop or wait of its own.
 */
export class ClientPipeline {
    readonly secrets: SecretSet;
    readonly logger: ClientLogger;
    readonly pipeline: Pipeline;
    readonly #timeoutInMs: number;
    readonly #budgetInMs: number;

    constructor(loggerName: string, auth: ClientAuth, secrets: SecretSet, options: ClientOptions = {}) {
        this.secrets = secrets;
        this.logger = redactingLogger(options.logger ?? createClientLogger(loggerName), (s) => secrets.redact(s));
        const retry = { ...DEFAULT_RETRY, ...options.retryOptions };
        this.#timeoutInMs = options.timeoutInMs ?? DEFAULT_RETRY.timeoutInMs;
        this.#budgetInMs = retry.maxRetryTimeInMs;
        this.pipeline = createEmptyPipeline();
        this.pipeline.addPolicy(
            defaultRetryPolicy({
                maxRetries: retry.maxRetries,
                retryDelayInMs: retry.retryDelayInMs,
                maxRetryDelayInMs: retry.maxRetryDelayInMs,
            }),
            { phase: 'Retry' },
        );
        if ('apiKey' in auth) {
            secrets.add(auth.apiKey);
            this.pipeline.addPolicy(apiKeyPolicy(auth.apiKey), { phase: 'Sign' });
        } else {
            this.pipeline.addPolicy(bearerTokenPolicy(auth.credential, auth.scope, `${loggerName} request`), {
                phase: 'Sign',
            });
        }
        this.pipeline.addPolicy(redactionPolicy(secrets, options.onRequest), { afterPhase: 'Sign' });
        this.pipeline.addPolicy(logPolicy(this.logger), { afterPhase: 'Sign', afterPolicies: [REDACTION_POLICY] });
    }

    /** The policies each request passes through, outermost first. */
    policyNames(): string[] {
        return this.pipeline.getOrderedPolicies().map((p) => p.name);
    }

    /**
     * Sends one call through the pipeline.
     * @throws MlServiceError: the service's error for an unexpected status (`transient` for 408,
     *   429, 5xx); `NetworkError` or `Timeout` (transient) when no response came; `DeadlineExceeded`
     *   (transient) when the call's budget ran out; `Aborted` when the caller aborted;
     *   `AuthenticationFailed` when no token could be had.
     */
    async send(req: ServiceRequest): Promise<ServiceResponse> {
        const caller = req.options?.abortSignal;
        if (caller?.aborted) throw this.#clientError(req, 'Aborted', 'the operation was aborted');
        const budget = AbortSignal.timeout(this.#budgetInMs);
        const signal = AbortSignal.any([budget, nativeSignal(caller)]);
        const request = createPipelineRequest({
            url: req.url,
            method: req.method,
            headers: createHttpHeaders({
                Accept: 'application/json',
                ...(req.body === undefined ? {} : { 'Content-Type': 'application/json' }),
            }),
            body: req.body === undefined ? undefined : JSON.stringify(req.body),
            timeout: req.options?.timeoutInMs ?? this.#timeoutInMs,
            abortSignal: signal,
            allowInsecureConnection: isLoopbackHttp(req.url),
        });
        nameRequest(request, req.operation);
        sharedHttpClient ??= createDefaultHttpClient();
        let response: PipelineResponse;
        try {
            response = await this.pipeline.sendRequest(sharedHttpClient, request);
        } catch (e: unknown) {
            throw this.#noResponse(req, e, caller, budget);
        }
        const result = toServiceResponse(response);
        if (req.expectedStatus.includes(result.status)) return result;
        const parsed = parseServiceError(result.body);
        throw new MlServiceError({
            operation: req.operation,
            statusCode: result.status,
            code: parsed.code ?? httpCodeName(result.status),
            innerCode: parsed.innerCode,
            requestId: result.requestId,
            detail: parsed.message === undefined ? undefined : this.secrets.redact(parsed.message),
            transient: TRANSIENT_STATUS.has(result.status),
        });
    }

    /** What was thrown instead of a response, as the one error type; foreign errors are not kept (they carry requests). */
    #noResponse(
        req: ServiceRequest,
        e: unknown,
        caller: AbortSignalLike | undefined,
        budget: AbortSignal,
    ): MlServiceError {
        if (isMlServiceError(e)) return e;
        if (e instanceof Error && e.name === 'AbortError') {
            if (caller?.aborted) {
                // A caller's AbortSignal.timeout is a deadline, not a change of mind.
                const reason = (caller as { reason?: unknown }).reason;
                return reason instanceof Error && reason.name === 'TimeoutError'
                    ? this.#clientError(req, 'DeadlineExceeded', "the caller's deadline passed", true)
                    : this.#clientError(req, 'Aborted', 'the operation was aborted');
            }
            if (budget.aborted) {
                return this.#clientError(
                    req,
                    'DeadlineExceeded',
                    `no result within the ${this.#budgetInMs} ms budget`,
                    true,
                );
            }
            const timeout = req.options?.timeoutInMs ?? this.#timeoutInMs;
            return this.#clientError(req, 'Timeout', `no response within ${timeout} ms`, true);
        }
        if (isRestError(e)) return this.#clientError(req, 'NetworkError', e.code ?? '', true);
        return this.#clientError(req, 'RequestFailed', e instanceof Error ? e.name : 'unknown error');
    }

    #clientError(req: ServiceRequest, code: string, detail: string, transient = false): MlServiceError {
        return new MlServiceError({ operation: req.operation, code, detail: this.secrets.redact(detail), transient });
    }
}

/**
 * Plain http only to this machine (the offline studio): core refuses http unless told, and a key
 * or token must never cross a network in the clear.
 */
function isLoopbackHttp(url: string): boolean {
    const u = new URL(url);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

/** The caller's signal as a native one, so it can be combined with the budget's. */
function nativeSignal(signal: AbortSignalLike | undefined): AbortSignal {
    if (signal === undefined) return new AbortController().signal;
    if (signal instanceof AbortSignal) return signal;
    const controller = new AbortController();
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    return controller.signal;
}

function toServiceResponse(res: PipelineResponse): ServiceResponse {
    const headers: Record<string, string> = {};
    for (const [name, value] of res.headers) headers[name.toLowerCase()] = value;
    const text = res.bodyAsText ?? '';
    let body: unknown = undefined;
    if (text.length > 0) {
        try {
            body = JSON.parse(text) as unknown;
        } catch {
            body = text;
        }
    }
    return {
        status: res.status,
        headers,
        body,
        requestId: headers['x-ms-request-id'] ?? headers['x-ms-client-request-id'],
    };
}

function httpCodeName(status: number): string {
    const names: Record<number, string> = {
        400: 'BadRequest',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'NotFound',
        408: 'RequestTimeout',
        409: 'Conflict',
        429: 'TooManyRequests',
        500: 'InternalError',
        502: 'BadGateway',
        503: 'ServiceUnavailable',
        504: 'GatewayTimeout',
    };
    return names[status] ?? `Http${status}`;
}

/**
 * The retry budget of one client call: attempts (first + retries) and the time it may take at
 * most. `activityAttempts` multiplies in the orchestrator's activity retries (`activityRetry.maxAttempts`).
 */
export function retryBudget(
    options: ClientOptions = {},
    activityAttempts = 1,
): { attemptsPerActivityAttempt: number; attemptsPerCall: number; maxTimePerActivityAttemptInMs: number } {
    const retry = { ...DEFAULT_RETRY, ...options.retryOptions };
    const attempts = retry.maxRetries + 1;
    return {
        attemptsPerActivityAttempt: attempts,
        attemptsPerCall: attempts * activityAttempts,
        maxTimePerActivityAttemptInMs: retry.maxRetryTimeInMs,
    };
}
