/**
 * Reads the error body the Azure ML services return: `{"error":{"code","message","details":[{"code","target","message"}]}}`
 * (management/ARM bodies have no details). Anything else yields a short text excerpt.
 */
export interface ParsedServiceError {
    code?: string;
    innerCode?: string;
    message?: string;
}

const MAX_TEXT = 300;

export function parseServiceError(body: unknown): ParsedServiceError {
    if (typeof body === 'string') return { message: body.slice(0, MAX_TEXT) };
    if (typeof body !== 'object' || body === null) return {};
    const err = (body as { error?: unknown }).error;
    if (typeof err !== 'object' || err === null) return {};
    const e = err as { code?: unknown; message?: unknown; details?: unknown };
    const first = Array.isArray(e.details)
        ? (e.details[0] as { code?: unknown; message?: unknown } | undefined)
        : undefined;
    const message = [str(e.message), str(first?.message)].filter((m) => m && m.length > 0);
    const unique = [...new Set(message)].join(' — ');
    return {
        code: str(e.code),
        innerCode: str(first?.code),
        message: unique.length > 0 ? unique.slice(0, MAX_TEXT) : undefined,
    };
}

function str(v: unknown): string | undefined {
    return typeof v === 'string' ? v : undefined;
}
