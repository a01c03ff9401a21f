/**
 * A failed Azure ML v2 call: the HTTP status and the service's error code, with a message that
 * never carries a token, key or SAS (the SDK's RestError can quote request details, so only its
 * status, code and the service's message are kept).
 */
export class AzureMlError extends Error {
    constructor(
        message: string,
        readonly statusCode: number | undefined,
        readonly code: string | undefined,
        /** True for throttling, server errors and network failures: the same call may succeed later. */
        readonly retryable: boolean,
    ) {
        super(message);
        this.name = 'AzureMlError';
    }
}

export function isAzureMlError(err: unknown): err is AzureMlError {
    return err instanceof AzureMlError;
}

const SECRETS = /(sig=|AccountKey=|Bearer\s+)[^&;\s"']+/gi;

/** Converts whatever the SDK or fetch threw into an AzureMlError naming the operation. */
export function toAzureMlError(operation: string, err: unknown): AzureMlError {
    if (err instanceof AzureMlError) return err;
    const e = err as { statusCode?: unknown; code?: unknown; message?: unknown; details?: unknown; name?: unknown };
    const status = typeof e?.statusCode === 'number' ? e.statusCode : undefined;
    const details = e?.details as { error?: { code?: string; message?: string } } | undefined;
    const code = details?.error?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
    const text = (details?.error?.message ?? (typeof e?.message === 'string' ? e.message : 'unknown error')).replace(
        SECRETS,
        '$1REDACTED',
    );
    const retryable =
        status === undefined ? e?.name !== 'AbortError' : status === 408 || status === 429 || status >= 500;
    return new AzureMlError(
        `Azure ML ${operation} failed${status ? ` (HTTP ${status}${code ? ` ${code}` : ''})` : ''}: ${text.slice(0, 500)}`,
        status,
        code,
        retryable,
    );
}
