import type { HostLogger } from '../core/log';
import type { FaultLog } from './profile';

/** What the durable engine and the blob listener need of a polling loop (PollLoop has this shape). */
export interface Loop {
    start(): void;
    wake(): void;
    stop(): Promise<void>;
}

/** Environment variable with the idle-queue backoff cap in ms (default 30000, as Azure's). */
export const IDLE_CAP_ENV = 'RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS';
export const DEFAULT_IDLE_CAP_IN_MS = 30_000;

/**
 * The cap for idle-queue backoff: `MaxQueuePollingInterval` is 30 s by default
 * (azure-functions-durable-extension Options/AzureStorageOptions.cs). Tests may scale it down, but
 * never below 10x the dev host's normal poll, or it would no longer model an idle queue.
 * @throws Error naming the variable when it is not an integer or is below 10x `pollInMs`.
 */
export function idleCapInMs(env: Record<string, string | undefined>, pollInMs: number): number {
    const raw = env[IDLE_CAP_ENV];
    const cap = raw === undefined || raw === '' ? DEFAULT_IDLE_CAP_IN_MS : Number(raw);
    if (!Number.isInteger(cap) || cap < 10 * pollInMs) {
        throw new Error(
            `${IDLE_CAP_ENV} must be an integer of at least 10x the poll (${10 * pollInMs} ms), not '${raw}'.`,
        );
    }
    return cap;
}

/**
 * A poll loop with the latency of an idle Azure Storage queue: there is no in-process wake-up (work
 * is only found by polling), each poll that found nothing new doubles the interval up to the cap,
 * and a poll after new work resets it. Work queued while the loop is backed off waits for the next
 * poll; each such wait is a fault `idle-queue-latency` (its planned delay in the detail).
 */
export class IdleBackoffLoop implements Loop {
    #timer: NodeJS.Timeout | undefined;
    #running: Promise<void> | undefined;
    #stopped = true;
    #intervalInMs: number;
    #nextAtInMs = 0;
    #work = false;
    #delayRecorded = false;

    constructor(
        private readonly label: string,
        private readonly minInMs: number,
        private readonly capInMs: number,
        private readonly tick: () => Promise<void>,
        private readonly log: HostLogger,
        private readonly faults: FaultLog,
    ) {
        this.#intervalInMs = minInMs;
    }

    start(): void {
        this.#stopped = false;
        this.#schedule(0);
    }

    /** Work was queued: noted for the next poll, which is not brought forward. */
    wake(): void {
        if (this.#stopped) return;
        this.#work = true;
        const waitInMs = this.#nextAtInMs - Date.now();
        if (this.#intervalInMs > this.minInMs && waitInMs > this.minInMs && !this.#delayRecorded) {
            this.#delayRecorded = true;
            this.faults.record('idle-queue-latency', this.label, `${waitInMs} ms until the next poll`);
        }
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        if (this.#timer) clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    #schedule(delayInMs: number): void {
        this.#nextAtInMs = Date.now() + delayInMs;
        this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#running = this.#run();
        }, delayInMs);
    }

    async #run(): Promise<void> {
        const hadWork = this.#work;
        this.#work = false;
        this.#delayRecorded = false;
        try {
            await this.tick();
        } catch (err: unknown) {
            this.log.host(`${this.label}: ${err instanceof Error ? err.message : String(err)}`, 'error');
        }
        this.#intervalInMs = hadWork ? this.minInMs : Math.min(this.#intervalInMs * 2, this.capInMs);
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(this.#intervalInMs);
    }
}
