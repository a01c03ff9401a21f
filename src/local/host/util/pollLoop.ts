import { HostLogger } from '../core/log';

/**
 * Runs `tick` every `intervalMs` until stopped; `wake()` runs it at once (work was just queued
 * locally). Errors are logged, not fatal: storage hiccups must not kill the host.
 */
export class PollLoop {
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    #stopped = true;
    #again = false;

    constructor(
        private readonly label: string,
        private readonly intervalMs: number,
        private readonly tick: () => Promise<unknown>,
        private readonly log: HostLogger,
    ) {}

    start(): void {
        this.#stopped = false;
        this.wake();
    }

    wake(): void {
        if (this.#stopped) return;
        if (this.#running) {
            this.#again = true;
            return;
        }
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#running = this.#run();
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    async #run(): Promise<void> {
        do {
            this.#again = false;
            try {
                await this.tick();
            } catch (err: unknown) {
                this.log.host(`${this.label}: ${err instanceof Error ? err.message : String(err)}`, 'error');
            }
        } while (this.#again && !this.#stopped);
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(() => this.wake(), this.intervalMs);
    }
}
