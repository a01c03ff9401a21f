import type { HostLogger } from '../core/log';
import { FaultLog, keyedSeed, SeededRandom } from './profile';

/** What the durable engine and the blob listener need of a polling loop (PollLoop has this shape). */
export interface Loop {
    start(): void;
    wake(): void;
    stop(): Promise<void>;
}

/**
 * One poll of a queue. It resolves true when the poll found messages (work it started), which
 * resets the backoff of an `IdleBackoffLoop`; false or nothing means the queue looked empty.
 */
export type Tick = () => Promise<boolean | void>;

/**
 * Which Azure queue a loop stands in for. Each has its own cap and its own answer to "does work
 * queued by this same process wake the poller" (see `AZURE_QUEUE_POLLING`).
 */
export type QueueKind = 'durable-control' | 'durable-work-item' | 'blob-trigger';

/** Builds the loop that polls one queue (`pollInMs` is its shortest interval). */
export type LoopFactory = (label: string, pollInMs: number, tick: Tick, kind: QueueKind) => Loop;

/** How Azure polls one kind of queue, with the source of each value. */
export interface AzureQueuePolling {
    /** Azure's shortest interval, ms (the dev host uses its own poll interval instead). */
    azureMinInMs: number;
    /** Azure's default longest interval while the queue stays empty, ms. */
    defaultCapInMs: number;
    /** True when a message queued by the same host process wakes the poller at once. */
    wakesOnLocalEnqueue: boolean;
}

/**
 * Azure's polling of the queues the dev host stands in for (docs/fidelity.md, row D7):
 * - durable control and work-item queues: DurableTask.AzureStorage `TaskHubQueue` builds a
 *   `BackoffPollingHelper(50 ms, MaxQueuePollingInterval)` (Messaging/TaskHubQueue.cs:50-57;
 *   `DefaultMaxQueuePollingInterval` 30 s, AzureStorageOrchestrationServiceSettings.cs:31; the
 *   extension's `maxQueuePollingInterval` default 30 s, Options/AzureStorageOptions.cs:165).
 *   `AddMessageAsync` resets it ("Wake up the queue polling thread", TaskHubQueue.cs:132-133).
 *   Every instance polls the one work-item queue, so the instance that queued an activity always
 *   wakes; a control queue is polled only by the instance that owns its partition, so a message
 *   sent from another instance (a scaled-out app) waits for the owner's next poll. The dev host
 *   takes that worse case for control queues.
 * - the blob trigger queue `azure-webjobs-blobtrigger-{hostId}`: the WebJobs `QueueListener` with
 *   `RandomizedExponentialBackoffStrategy(QueuePollingIntervals.Minimum 100 ms, MaxPollingInterval)`;
 *   `SharedBlobQueueListenerFactory.BlobsOptionsToQueuesOptions` builds a fresh `QueuesOptions`,
 *   so its cap is `QueuePollingIntervals.DefaultMaximum` 1 min whatever host.json says. The Event
 *   Grid webhook queues through `BlobTriggerQueueWriter.EnqueueAsync`, which calls
 *   `SharedQueueWatcher.Notify`: the listener on the receiving instance polls at once
 *   (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.Storage.Common and .Blobs).
 */
export const AZURE_QUEUE_POLLING: Readonly<Record<QueueKind, AzureQueuePolling>> = {
    'durable-control': { azureMinInMs: 50, defaultCapInMs: 30_000, wakesOnLocalEnqueue: false },
    'durable-work-item': { azureMinInMs: 50, defaultCapInMs: 30_000, wakesOnLocalEnqueue: true },
    'blob-trigger': { azureMinInMs: 100, defaultCapInMs: 60_000, wakesOnLocalEnqueue: true },
};

/** Environment variable with one idle-queue backoff cap in ms for every queue (tests scale it down). */
export const IDLE_CAP_ENV = 'RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS';
/** The durable queues' default cap: `MaxQueuePollingInterval`, 30 s. */
export const DEFAULT_IDLE_CAP_IN_MS = AZURE_QUEUE_POLLING['durable-control'].defaultCapInMs;

/**
 * The idle-queue backoff cap of each kind of queue: Azure's defaults (30 s for the durable queues,
 * 1 min for the blob trigger queue) unless `RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS` sets one cap for
 * all. Tests may scale it down, but never below 10x the dev host's normal poll, or it would no
 * longer model an idle queue.
 * @throws Error naming the variable when it is not an integer or is below 10x `pollInMs`.
 */
export function idleCaps(env: Record<string, string | undefined>, pollInMs: number): Record<QueueKind, number> {
    const raw = env[IDLE_CAP_ENV];
    if (raw === undefined || raw === '') {
        return {
            'durable-control': AZURE_QUEUE_POLLING['durable-control'].defaultCapInMs,
            'durable-work-item': AZURE_QUEUE_POLLING['durable-work-item'].defaultCapInMs,
            'blob-trigger': AZURE_QUEUE_POLLING['blob-trigger'].defaultCapInMs,
        };
    }
    const cap = Number(raw);
    if (!Number.isInteger(cap) || cap < 10 * pollInMs) {
        throw new Error(
            `${IDLE_CAP_ENV} must be an integer of at least 10x the poll (${10 * pollInMs} ms), not '${raw}'.`,
        );
    }
    return { 'durable-control': cap, 'durable-work-item': cap, 'blob-trigger': cap };
}

/**
 * The durable queues' cap (`idleCaps(...)['durable-control']`), kept for callers that name one cap.
 * @throws Error as `idleCaps`.
 */
export function idleCapInMs(env: Record<string, string | undefined>, pollInMs: number): number {
    return idleCaps(env, pollInMs)['durable-control'];
}

/**
 * Azure's randomized exponential backoff for polling a queue, ported from the WebJobs SDK's
 * `RandomizedExponentialBackoffStrategy.GetNextDelay` (azure-webjobs-sdk
 * src/Microsoft.Azure.WebJobs.Host/Timers/RandomizedExponentialBackoffStrategy.cs:55-92, the same in
 * azure-sdk-for-net's Storage.Common Shared/Timers) and DurableTask.AzureStorage's copy
 * (BackoffPollingHelper.cs:90-127). After a poll that found messages the next delay is the
 * minimum; after each empty poll it is `min + U(0.8, 1.2) * 2^(k-1) * min` for the k-th empty poll
 * in a row (k from 1), until that reaches the cap, which then holds. The very first delay, with no
 * poll behind it, is the minimum. `random` gives floats in [0, 1): the profile's seeded randomness,
 * so a seed replays the same delays.
 */
export class RandomizedExponentialBackoff {
    /** Azure's `RandomizationFactor`. */
    static readonly RANDOMIZATION_FACTOR = 0.2;
    #currentInMs = 0;
    #exponent = 0;

    /** @throws Error when the intervals are negative or the minimum is above the cap. */
    constructor(
        readonly minInMs: number,
        readonly capInMs: number,
        private readonly random: () => number,
    ) {
        if (!(minInMs >= 0) || !(capInMs >= 0)) throw new Error('Backoff intervals must not be negative.');
        if (minInMs > capInMs) throw new Error(`The minimum (${minInMs} ms) must not exceed the cap (${capInMs} ms).`);
    }

    /** The delay in ms before the next poll, given whether the poll just made found messages. */
    next(found: boolean): number {
        if (found) {
            this.#currentInMs = this.minInMs;
            this.#exponent = 1;
        } else if (this.#currentInMs !== this.capInMs) {
            let intervalInMs = this.minInMs;
            if (this.#exponent > 0) {
                const f = RandomizedExponentialBackoff.RANDOMIZATION_FACTOR;
                const spread = 1 - f + 2 * f * this.random();
                intervalInMs += spread * 2 ** (this.#exponent - 1) * this.minInMs;
            }
            if (intervalInMs < this.capInMs) {
                this.#currentInMs = intervalInMs;
                this.#exponent++;
            } else {
                this.#currentInMs = this.capInMs;
            }
        }
        return this.#currentInMs;
    }
}

/** The clock and timer an `IdleBackoffLoop` schedules with: the real ones, or a test's virtual ones. */
export interface LoopTimers {
    now(): number;
    setTimeout(run: () => void, delayInMs: number): unknown;
    clearTimeout(handle: unknown): void;
}

const realTimers: LoopTimers = {
    now: () => Date.now(),
    setTimeout: (run, delayInMs) => setTimeout(run, delayInMs),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The optional parts of an `IdleBackoffLoop`. */
export interface IdleLoopOptions {
    /** True when `wake()` polls at once (Azure's in-process wake-up); default false. */
    wakesOnLocalWork?: boolean;
    /** Floats in [0, 1) for the backoff's spread; the profile passes a seeded source. Default Math.random. */
    random?: () => number;
    /** Default: the real clock and timers. */
    timers?: LoopTimers;
}

/**
 * A poll loop with the latency of an Azure Storage queue (`AZURE_QUEUE_POLLING`): the interval
 * follows `RandomizedExponentialBackoff` from the loop's minimum (the dev host's poll interval)
 * to its cap, reset by a poll that found messages (its tick resolved true). Work queued in this
 * process (`wake()`) polls at once on a queue Azure wakes the same way (work-item, blob trigger);
 * on a control queue it waits for the next poll, as a message from another instance does, and
 * each such wait is a fault `idle-queue-latency` (its planned delay in the detail).
 */
export class IdleBackoffLoop implements Loop {
    #timer: unknown;
    #running: Promise<void> | undefined;
    #stopped = true;
    #again = false;
    #nextAtInMs = 0;
    #lastDelayInMs = 0;
    #delayRecorded = false;
    readonly #backoff: RandomizedExponentialBackoff;
    readonly #wakesOnLocalWork: boolean;
    readonly #timers: LoopTimers;

    /** `minInMs` and `capInMs` bound the interval; a cap below the minimum becomes the minimum (as TaskHubQueue.cs:52-55). */
    constructor(
        private readonly label: string,
        private readonly minInMs: number,
        capInMs: number,
        private readonly tick: Tick,
        private readonly log: HostLogger,
        private readonly faults: FaultLog,
        options: IdleLoopOptions = {},
    ) {
        this.#backoff = new RandomizedExponentialBackoff(
            minInMs,
            Math.max(minInMs, capInMs),
            options.random ?? Math.random,
        );
        this.#wakesOnLocalWork = options.wakesOnLocalWork ?? false;
        this.#timers = options.timers ?? realTimers;
    }

    start(): void {
        this.#stopped = false;
        this.#schedule(0);
    }

    /** Work was queued in this process: a poll at once if this queue wakes, else noted as latency. */
    wake(): void {
        if (this.#stopped) return;
        if (this.#wakesOnLocalWork) {
            if (this.#running) {
                this.#again = true;
                return;
            }
            if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
            this.#timer = undefined;
            this.#running = this.#run();
            return;
        }
        const waitInMs = this.#nextAtInMs - this.#timers.now();
        if (this.#lastDelayInMs > this.minInMs && waitInMs > this.minInMs && !this.#delayRecorded) {
            this.#delayRecorded = true;
            this.faults.record('idle-queue-latency', this.label, `${waitInMs} ms until the next poll`);
        }
    }

    async stop(): Promise<void> {
        this.#stopped = true;
        if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }

    #schedule(delayInMs: number): void {
        this.#lastDelayInMs = delayInMs;
        this.#nextAtInMs = this.#timers.now() + delayInMs;
        this.#timer = this.#timers.setTimeout(() => {
            this.#timer = undefined;
            this.#running = this.#run();
        }, delayInMs);
    }

    async #run(): Promise<void> {
        let found = false;
        do {
            this.#again = false;
            this.#delayRecorded = false;
            try {
                found = (await this.tick()) === true || found;
            } catch (err: unknown) {
                this.log.host(`${this.label}: ${err instanceof Error ? err.message : String(err)}`, 'error');
            }
        } while (this.#again && !this.#stopped);
        const delayInMs = this.#backoff.next(found);
        this.#running = undefined;
        if (!this.#stopped) this.#schedule(delayInMs);
    }
}

/**
 * The loop for `kind` under the azure profile: its cap from `caps`, Azure's wake-up for that kind,
 * and randomness seeded from the profile's seed and the label. `timers`: the real ones by default.
 */
export function azureQueueLoop(
    label: string,
    pollInMs: number,
    tick: Tick,
    kind: QueueKind,
    caps: Record<QueueKind, number>,
    profileSeed: number,
    log: HostLogger,
    faults: FaultLog,
    timers?: LoopTimers,
): IdleBackoffLoop {
    // A seed of its own for each loop, so its draws never shift the profile's fault decisions.
    const random = new SeededRandom(keyedSeed(profileSeed, label));
    return new IdleBackoffLoop(label, pollInMs, caps[kind], tick, log, faults, {
        wakesOnLocalWork: AZURE_QUEUE_POLLING[kind].wakesOnLocalEnqueue,
        random: () => random.next(),
        ...(timers ? { timers } : {}),
    });
}
