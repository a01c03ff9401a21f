import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';

import { MlServiceError } from './errors';
import type { ClientLogger } from './log';
import type { OutgoingRequest } from './options';
import type { SecretSet } from './redact';

/**
 * The Retrainer-specific policies of a client pipeline. Retry, backoff, Retry-After, timeouts,
 * abort and bearer tokens are `@azure/core-rest-pipeline`'s own; these add only what it lacks:
 * API-key auth, a redaction step that learns every credential sent, and logging to the app's logger.
 */
export const API_KEY_POLICY = 'retrainerApiKeyPolicy';
export const BEARER_TOKEN_POLICY = 'retrainerBearerTokenPolicy';
export const REDACTION_POLICY = 'retrainerRedactionPolicy';
export const LOG_POLICY = 'retrainerLogPolicy';

/** What each request is, for log lines; set by the client before sending, read by the policies. */
const operations = new WeakMap<PipelineRequest, string>();

/** Names `request` (e.g. `BES submitJob`) in the log lines and observer calls of its attempts. */
export function nameRequest(request: PipelineRequest, operation: string): void {
    operations.set(request, operation);
}

/** Classic services (BES, RRS, management) take the API key or workspace token as a bearer value. */
export function apiKeyPolicy(key: string): PipelinePolicy {
    return {
        name: API_KEY_POLICY,
        sendRequest(request, next) {
            request.headers.set('Authorization', `Bearer ${key}`);
            return next(request);
        },
    };
}

/**
 * ARM: a bearer token from the credential on every attempt. Token caching is the credential's:
 * `@azure/identity`'s credentials keep MSAL's cache, and the clients keep one credential per
 * target for the process. Not core's `bearerTokenAuthenticationPolicy`, because that refuses
 * plain-http URLs and the offline studio serves http; ARM in Azure is https either way.
 * A token request that fails surfaces as `MlServiceError` `AuthenticationFailed`, without the
 * credential's own message (which may quote tenant details or secrets).
 */
export function bearerTokenPolicy(credential: TokenCredential, scope: string, operation: string): PipelinePolicy {
    return {
        name: BEARER_TOKEN_POLICY,
        async sendRequest(request, next) {
            let token: AccessToken | null;
            try {
                token = await credential.getToken(scope, { abortSignal: request.abortSignal });
            } catch {
                token = null;
            }
            if (!token) {
                throw new MlServiceError({
                    operation: operations.get(request) ?? operation,
                    code: 'AuthenticationFailed',
                    detail: 'could not obtain a credential',
                });
            }
            request.headers.set('Authorization', `Bearer ${token.token}`);
            return next(request);
        },
    };
}

/**
 * Runs after signing, once per attempt: every credential about to be sent (an API key, a fresh
 * bearer token) joins the client's secret set, so the sanitizer that every log line and error
 * message passes through removes it wherever a service echoes it; then the observer, if any,
 * sees the attempt with the Authorization value already redacted.
 */
export function redactionPolicy(secrets: SecretSet, onRequest?: (r: OutgoingRequest) => void): PipelinePolicy {
    return {
        name: REDACTION_POLICY,
        sendRequest(request, next) {
            const authorization = request.headers.get('authorization');
            if (authorization) secrets.add(authorization.replace(/^Bearer\s+/i, ''));
            if (onRequest) {
                const headers: Record<string, string> = {};
                for (const [name, value] of request.headers) headers[name] = secrets.redact(value);
                onRequest({
                    operation: operations.get(request) ?? request.method,
                    method: request.method,
                    url: secrets.redact(request.url),
                    headers,
                    body: typeof request.body === 'string' ? (JSON.parse(request.body) as unknown) : undefined,
                });
            }
            return next(request);
        },
    };
}

/**
 * One line per attempt through the app's logger (already redacting): the request at verbose, a
 * failed attempt (HTTP error or no response) at info, as the Azure SDK logs retries.
 */
export function logPolicy(logger: ClientLogger): PipelinePolicy {
    const attempts = new WeakMap<PipelineRequest, number>();
    return {
        name: LOG_POLICY,
        async sendRequest(request, next) {
            const attempt = (attempts.get(request) ?? 0) + 1;
            attempts.set(request, attempt);
            const what = `${operations.get(request) ?? 'request'} attempt ${attempt}`;
            logger.verbose(`${what}: ${request.method} ${request.url}`);
            try {
                const response = await next(request);
                if (response.status >= 400) logger.info(`${what}: HTTP ${response.status}`);
                return response;
            } catch (e: unknown) {
                const code = (e as { code?: unknown }).code;
                logger.info(
                    `${what}: ${e instanceof Error ? e.name : 'error'}${typeof code === 'string' ? ` ${code}` : ''}`,
                );
                throw e;
            }
        },
    };
}
