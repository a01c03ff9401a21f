/**
 * An error the emulator answers with. Azure ML data-plane and management APIs use
 * `{"error":{"code","message","details":[{code,target,message}]}}`; ARM uses `{"error":{"code","message"}}`.
 */
export class StudioError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly detail?: { code: string; target?: string },
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = 'StudioError';
    }

    body(): unknown {
        const error: Record<string, unknown> = { code: this.code, message: this.message };
        if (this.detail)
            error.details = [{ code: this.detail.code, target: this.detail.target, message: this.message }];
        return { error };
    }
}

/** One method per error the real services document (web-service-error-codes), plus ARM's. */
export const Errors = {
    badArgument: (inner: string, message: string, target?: string) =>
        new StudioError(400, 'BadArgument', message, { code: inner, target }),
    badVersion: () =>
        new StudioError(400, 'BadArgument', "The api-version is missing or not supported; use 'api-version=2.0'.", {
            code: 'BadVersionCall',
        }),
    requestBodyInvalid: (message: string) =>
        new StudioError(400, 'BadArgument', message, { code: 'RequestBodyInvalid' }),
    cannotStartJob: (message: string) => new StudioError(400, 'InvalidOperation', message, { code: 'CannotStartJob' }),
    moduleExecution: (message: string) =>
        new StudioError(400, 'ModuleExecutionError', message, { code: 'ModuleExecutionError' }),
    unauthorized: () =>
        new StudioError(401, 'Unauthorized', 'The request is not authorized: the API key is missing or wrong.', {
            code: 'ScoreRequestUnauthorized',
        }),
    notFound: (what: string) =>
        new StudioError(404, 'NotFound', `${what} was not found.`, { code: 'WebServiceNotFound' }),
    jobNotFound: (jobId: string) =>
        new StudioError(404, 'NotFound', `Job '${jobId}' was not found for this service.`, { code: 'JobNotFound' }),
    methodNotAllowed: (method: string) =>
        new StudioError(405, 'MethodNotAllowed', `Method ${method} is not supported on this resource.`),
    payloadTooLarge: (limit: number) =>
        new StudioError(413, 'RequestEntityTooLarge', `The request body exceeds ${limit} bytes.`),
    throttled: (retryAfterSeconds: number | undefined) =>
        new StudioError(
            429,
            'TooManyRequests',
            'The request was throttled; retry later.',
            { code: 'RequestThrottled' },
            retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
        ),
    injected: (status: number, retryAfterSeconds: number | undefined) =>
        status === 429
            ? Errors.throttled(retryAfterSeconds)
            : new StudioError(
                  status,
                  status === 503 ? 'ServiceUnavailable' : status === 504 ? 'GatewayTimeout' : 'InternalError',
                  `Injected fault: the service answered ${status}.`,
                  { code: status === 503 ? 'RequestThrottled' : 'InternalError' },
                  retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
              ),
    internal: () =>
        new StudioError(500, 'InternalError', 'The service hit an internal error.', { code: 'InternalError' }),
    arm: {
        unauthorized: (why: string) =>
            new StudioError(401, 'InvalidAuthenticationToken', `The access token is invalid: ${why}.`),
        notFound: (name: string) =>
            new StudioError(
                404,
                'ResourceNotFound',
                `The Resource 'Microsoft.MachineLearning/webServices/${name}' was not found.`,
            ),
        badRequest: (message: string) => new StudioError(400, 'BadRequest', message),
        readOnly: (name: string) =>
            new StudioError(400, 'WebServiceIsReadOnly', `Web service '${name}' is read-only and cannot be updated.`),
        conflict: (name: string) =>
            new StudioError(
                409,
                'Conflict',
                `Web service '${name}' has an update in progress; retry when it completes.`,
            ),
        apiVersion: (supported = '2017-01-01') =>
            new StudioError(
                400,
                'InvalidApiVersionParameter',
                `The api-version is missing or not supported; use '${supported}'.`,
            ),
    },
};
