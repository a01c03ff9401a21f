import { Invoker, InvokeRequest } from '../core/invoker';
import { RegisteredFunction } from '../core/registry';

/** The function-level `retry` option (fixedDelay / exponentialBackoff), as the host applies it. */
export function retryDelays(fn: RegisteredFunction): number[] {
    const r = fn.metadata.retryOptions;
    if (!r) return [];
    const count = Number(r.maxRetryCount ?? 0);
    const seconds = (v: unknown): number =>
        (typeof v === 'object' && v !== null ? Number((v as { seconds?: unknown }).seconds ?? 0) : 0) * 1000;
    const delays: number[] = [];
    for (let i = 0; i < count; i++) {
        if (r.strategy === 'exponentialBackoff') {
            const min = seconds(r.minimumInterval);
            const max = seconds(r.maximumInterval) || Number.MAX_SAFE_INTEGER;
            delays.push(Math.min(max, min * Math.pow(2, i)));
        } else {
            delays.push(seconds(r.delayInterval));
        }
    }
    return delays;
}

/** Invokes, re-invoking with retryContext on failure per the function's retry policy. */
export async function invokeWithRetry(
    invoker: Invoker,
    fn: RegisteredFunction,
    req: InvokeRequest,
    sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
    const delays = retryDelays(fn);
    for (let attempt = 0; ; attempt++) {
        try {
            await invoker.invoke(
                fn.id,
                attempt === 0 ? req : { ...req, retryContext: { retryCount: attempt, maxRetryCount: delays.length } },
            );
            return;
        } catch (err: unknown) {
            const delay = delays[attempt];
            if (delay === undefined) throw err;
            await sleep(delay);
        }
    }
}
