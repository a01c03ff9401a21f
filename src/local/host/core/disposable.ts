/** Mirrors the worker's `Disposable`: the library calls `Disposable.from(...)` when unregistering hooks. */
export class Disposable {
    #callback: (() => void) | undefined;

    static from(...items: { dispose(): unknown }[]): Disposable {
        return new Disposable(() => {
            for (const item of items) item.dispose();
        });
    }

    constructor(callback: () => void) {
        this.#callback = callback;
    }

    dispose(): void {
        const cb = this.#callback;
        this.#callback = undefined;
        cb?.();
    }
}
