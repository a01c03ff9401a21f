/** Caps concurrent work (maxConcurrentActivityFunctions / maxConcurrentOrchestratorFunctions). */
export class Semaphore {
    #active = 0;
    readonly #waiting: (() => void)[] = [];

    constructor(readonly limit: number) {}

    get available(): number {
        return this.limit - this.#active;
    }

    async run<T>(work: () => Promise<T>): Promise<T> {
        if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
        this.#active++;
        try {
            return await work();
        } finally {
            this.#active--;
            this.#waiting.shift()?.();
        }
    }
}
