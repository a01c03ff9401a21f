import type { AbortSignalLike } from './options';

/** Waits `ms`, resolving early with `false` if the signal aborts (callers decide what abort means). */
export function abortableSleep(ms: number, abortSignal?: AbortSignalLike): Promise<boolean> {
    return new Promise((resolve) => {
        if (abortSignal?.aborted) {
            resolve(false);
            return;
        }
        const onAbort = (): void => {
            clearTimeout(timer);
            resolve(false);
        };
        const timer = setTimeout(() => {
            abortSignal?.removeEventListener('abort', onAbort);
            resolve(true);
        }, ms);
        abortSignal?.addEventListener('abort', onAbort, { once: true });
    });
}
