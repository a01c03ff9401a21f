/**
 * The one error type every ML service client throws. Callers branch on `code`/`statusCode`
 * (and `transient`), never on the message; `name` is checked rather than `instanceof` so the
 * error survives crossing module copies and serialization.
 */
export interface MlServiceErrorInit {
    operation: string;
    statusCode?: number;
    code: string;
    innerCode?: string;
    requestId?: string;
    detail?: string;
    transient?: boolean;
}

export const ML_SERVICE_ERROR_NAME = 'MlServiceError';

export class MlServiceError extends Error {
    /** HTTP status; undefined when no response arrived (Timeout, NetworkError, Aborted, DeadlineExceeded). */
    readonly statusCode: number | undefined;
    /** Service error class (`BadArgument`, `NotFound`...) or a client code (`Timeout`, `NetworkError`...). */
    readonly code: string;
    /** The inner error code from the body's `details[0].code` (e.g. `InvalidBlobExtension`). */
    readonly innerCode: string | undefined;
    readonly requestId: string | undefined;
    /** The client operation, e.g. `BES submitJob`. */
    readonly operation: string;
    /** True when retrying the same call later may succeed (throttling, 5xx, network, timeout). */
    readonly transient: boolean;

    constructor(init: MlServiceErrorInit) {
        super(formatMessage(init));
        this.name = ML_SERVICE_ERROR_NAME;
        this.statusCode = init.statusCode;
        this.code = init.code;
        this.innerCode = init.innerCode;
        this.requestId = init.requestId;
        this.operation = init.operation;
        this.transient = init.transient ?? false;
    }

    /** Plain data only: no request config, headers or cause can ride along into logs or run records. */
    toJSON(): Record<string, unknown> {
        return {
            name: this.name,
            message: this.message,
            operation: this.operation,
            statusCode: this.statusCode,
            code: this.code,
            innerCode: this.innerCode,
            requestId: this.requestId,
            transient: this.transient,
        };
    }
}

function formatMessage(init: MlServiceErrorInit): string {
    const status = init.statusCode === undefined ? '' : `${init.statusCode} `;
    const inner = init.innerCode && init.innerCode !== init.code ? ` (${init.innerCode})` : '';
    const detail = init.detail ? ` ${init.detail}` : '';
    const rid = init.requestId ? ` [request ${init.requestId}]` : '';
    return `${init.operation} failed: ${status}${init.code}${inner}${detail}${rid}`;
}

export function isMlServiceError(e: unknown): e is MlServiceError {
    return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === ML_SERVICE_ERROR_NAME;
}

/** Normalises anything thrown into an Error without keeping foreign properties (which may hold secrets). */
export function ensureError(e: unknown): Error {
    if (e instanceof Error) return e;
    return new Error(typeof e === 'string' ? e : 'Unknown error');
}
