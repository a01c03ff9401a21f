import type { AsyncOperationStatus, OperationState } from './types';

export function normaliseState(raw: string | undefined): OperationState {
    const s = (raw ?? '').toLowerCase();
    if (s === 'succeeded') return 'Succeeded';
    if (s === 'failed') return 'Failed';
    if (s === 'canceled' || s === 'cancelled') return 'Canceled';
    return 'InProgress';
}

/** Reads AsyncOperationStatus (`provisioningState` per the spec; `status` as generic ARM uses). */
export function parseOperationStatus(body: unknown): AsyncOperationStatus {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const raw =
        typeof b.provisioningState === 'string' ? b.provisioningState : typeof b.status === 'string' ? b.status : '';
    const info = (b.errorInfo ?? b.error) as { code?: unknown; message?: unknown } | undefined;
    const out: AsyncOperationStatus = { status: normaliseState(raw), provisioningState: raw };
    if (typeof b.percentComplete === 'number') out.percentComplete = b.percentComplete;
    if (info && typeof info === 'object') {
        out.error = {
            ...(typeof info.code === 'string' ? { code: info.code } : {}),
            ...(typeof info.message === 'string' ? { message: info.message } : {}),
        };
    }
    return out;
}
