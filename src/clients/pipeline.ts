import axios, { AxiosInstance, AxiosResponse } from 'axios';

import { MlServiceError } from './errors';
import { ClientLogger, createClientLogger, redactingLogger } from './log';
import type { AbortSignalLike, ClientOptions, OperationOptions } from './options';
import { SecretSet } from './redact';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retryPolicy';
import { abortableSleep } from './sleep';
import { parseServiceError } from './serviceError';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface PipelineRequest {
    /** Names the operation in errors and logs, e.g. `BES submitJob`. */
    operation: string;
    method: HttpMethod;
    url: string;
    body?: unknown;
    /** Statuses that count as success; anything else throws. */
    expectedStatus: readonly number[];
    options?: OperationOptions;
}

export interface PipelineResponse {
    status: number;
    headers: Record<string, string>;
    /** Parsed JSON when the body is JSON, the raw text otherwise, undefined when empty. */
    body: unknown;
    requestId: string | undefined;
}

/** Produces the Authorization header value for one attempt (API key, or a fresh bearer token). */
export type Authorize = (abortSignal?: AbortSignalLike) => Promise<string>;

type Attempt = { response: PipelineResponse } | { error: MlServiceError; retryAfterMs?: number };

/**
 * The HTTP path every client shares: timeout and abort per attempt, retries on 408/429/5xx and
 * network errors honouring Retry-After, a total deadline, and redaction. axios stays inside:
 * its errors carry the request config (headers included), so they are never rethrown.
 */
export class HttpPipeline {
    readonly secrets: SecretSet;
    readonly logger: ClientLogger;
    readonly #http: AxiosInstance;
    readonly #authorize: Authorize;
    readonly #options: ClientOptions;
    readonly #sleep: (ms: number, s?: AbortSignalLike) => Promise<boolean>;
    readonly #now: () => number;

    constructor(loggerName: string, authorize: Authorize, secrets: SecretSet, options: ClientOptions = {}) {
        this.secrets = secrets;
        this.#authorize = authorize;
        this.#options = options;
        this.#sleep = options.sleep ?? abortableSleep;
        this.#now = options.now ?? Date.now;
        this.logger = redactingLogger(options.logger ?? createClientLogger(loggerName), (s) => secrets.redact(s));
        this.#http = axios.create({
            validateStatus: () => true,
            responseType: 'text',
            transformResponse: [(d: unknown) => d],
            maxRedirects: 0,
        });
    }

    async send(req: PipelineRequest): Promise<PipelineResponse> {
        const retry = this.#options.retryOptions ?? {};
        const maxRetries = retry.maxRetries ?? 4;
        const deadline = this.#now() + (retry.maxRetryTimeInMs ?? 120_000);
        const signal = req.options?.abortSignal;
        for (let attempt = 0; ; attempt++) {
            if (signal?.aborted) throw this.#clientError(req, 'Aborted', 'the operation was aborted');
            const remaining = deadline - this.#now();
            if (remaining <= 0) throw this.#clientError(req, 'DeadlineExceeded', `after ${attempt} attempts`);
            const result = await this.#attempt(req, remaining);
            if ('response' in result) return result.response;
            const { error } = result;
            if (!error.transient || attempt >= maxRetries) throw error;
            const delay =
                result.retryAfterMs ??
                backoffDelay(
                    attempt,
                    retry.retryDelayInMs ?? 800,
                    retry.maxRetryDelayInMs ?? 30_000,
                    this.#options.random ?? Math.random,
                );
            if (this.#now() + delay >= deadline) {
                throw this.#clientError(
                    req,
                    'DeadlineExceeded',
                    `retry in ${delay} ms would pass the ${retry.maxRetryTimeInMs ?? 120_000} ms budget; last: ${error.message}`,
                );
            }
            this.logger.info(`${req.operation} attempt ${attempt + 1} failed (${error.code}); retrying in ${delay} ms`);
            if (!(await this.#sleep(delay, signal))) {
                throw this.#clientError(req, 'Aborted', 'the operation was aborted');
            }
        }
    }

    async #attempt(req: PipelineRequest, remainingMs: number): Promise<Attempt> {
        const perAttempt = req.options?.timeoutInMs ?? this.#options.timeoutInMs ?? 60_000;
        const clipped = remainingMs < perAttempt;
        const timeoutMs = Math.min(perAttempt, remainingMs);
        let authorization: string;
        try {
            authorization = await this.#authorize(req.options?.abortSignal);
        } catch {
            // The credential's own error may quote secrets or tenant details; say only that it failed.
            return { error: this.#clientError(req, 'AuthenticationFailed', 'could not obtain a credential') };
        }
        const headers: Record<string, string> = { Authorization: authorization, Accept: 'application/json' };
        if (req.body !== undefined) headers['Content-Type'] = 'application/json';
        this.#options.onRequest?.({
            operation: req.operation,
            method: req.method,
            url: this.secrets.redact(req.url),
            headers: { ...headers, Authorization: this.secrets.redact(authorization) },
            body: req.body,
        });
        this.logger.verbose(`${req.operation} ${req.method} ${req.url}`);

        const controller = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
        }, timeoutMs);
        const onAbort = (): void => controller.abort();
        req.options?.abortSignal?.addEventListener('abort', onAbort, { once: true });
        let res: AxiosResponse<string>;
        try {
            res = await this.#http.request<string>({
                method: req.method,
                url: req.url,
                headers,
                data: req.body === undefined ? undefined : JSON.stringify(req.body),
                signal: controller.signal,
            });
        } catch (e: unknown) {
            if (timedOut) {
                return clipped
                    ? { error: this.#clientError(req, 'DeadlineExceeded', `no response within the remaining budget`) }
                    : { error: this.#clientError(req, 'Timeout', `no response within ${timeoutMs} ms`, true) };
            }
            if (req.options?.abortSignal?.aborted) {
                return { error: this.#clientError(req, 'Aborted', 'the operation was aborted') };
            }
            const code = (e as { code?: unknown }).code;
            return { error: this.#clientError(req, 'NetworkError', typeof code === 'string' ? code : '', true) };
        } finally {
            clearTimeout(timer);
            req.options?.abortSignal?.removeEventListener('abort', onAbort);
        }
        const response = toResponse(res);
        if (req.expectedStatus.includes(response.status)) return { response };
        const parsed = parseServiceError(response.body);
        const error = new MlServiceError({
            operation: req.operation,
            statusCode: response.status,
            code: parsed.code ?? httpCodeName(response.status),
            innerCode: parsed.innerCode,
            requestId: response.requestId,
            detail: parsed.message === undefined ? undefined : this.secrets.redact(parsed.message),
            transient: isRetryableStatus(response.status),
        });
        return { error, retryAfterMs: parseRetryAfter(response.headers, Date.now()) };
    }

    #clientError(req: PipelineRequest, code: string, detail: string, transient = false): MlServiceError {
        return new MlServiceError({
            operation: req.operation,
            code,
            detail: this.secrets.redact(detail),
            transient,
        });
    }
}

function toResponse(res: AxiosResponse<string>): PipelineResponse {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers as Record<string, unknown>)) {
        if (typeof v === 'string' || typeof v === 'number') headers[k.toLowerCase()] = String(v);
        else if (Array.isArray(v)) headers[k.toLowerCase()] = v.map(String).join(', ');
    }
    const text = typeof res.data === 'string' ? res.data : '';
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
