import type { QueueClient } from '@azure/storage-queue';

import { encodeMessage, unquote } from '../triggers/blobMessage';
import type { WatchedBlobs } from '../triggers/blobScan';
import { keyedChance, type SemanticsProfile } from './profile';

/**
 * Events raised to an instance. Default: never lost (kept in the inbox until the instance runs).
 * Under the `azure` profile an event raised while the instance is still Pending is dropped, as the
 * Azure Storage provider can do when the EventRaised message is dequeued before ExecutionStarted
 * (AzureStorageOrchestrationService.IsExecutableInstanceAsync; Azure/durabletask#720).
 */
export interface EventSemantics {
    /** True when this event, raised to a Pending instance, is to be dropped (the fault is recorded). */
    dropRaisedToPending(instanceId: string, eventName: string): boolean;
}

/** The `azure` profile: every event raised to a Pending instance is dropped (fault `event-dropped-pending`). */
export function azureEvents(profile: SemanticsProfile): EventSemantics {
    return {
        dropRaisedToPending(instanceId, eventName) {
            profile.faults.record('event-dropped-pending', instanceId, `event '${eventName}' raised while Pending`);
            return true;
        },
    };
}

/** Shares of blob writes whose Event Grid event is dropped for good, or delivered twice. */
export interface EventGridShares {
    dropShare: number;
    duplicateShare: number;
}

/** Environment variables that set the shares (numbers in [0, 1]); defaults 0.05 and 0.2. */
export const EVENT_DROP_ENV = 'RETRAINER_HOST_SEMANTICS_EVENT_DROP';
export const EVENT_DUPLICATE_ENV = 'RETRAINER_HOST_SEMANTICS_EVENT_DUPLICATE';

function share(env: Record<string, string | undefined>, name: string, fallback: number): number {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0 || v > 1) throw new Error(`${name} must be a number from 0 to 1, not '${raw}'.`);
    return v;
}

/** @throws Error naming the variable when a share is not a number in [0, 1]. */
export function eventGridShares(env: Record<string, string | undefined>): EventGridShares {
    return { dropShare: share(env, EVENT_DROP_ENV, 0.05), duplicateShare: share(env, EVENT_DUPLICATE_ENV, 0.2) };
}

/**
 * Blob events as Event Grid delivers them to the blob extension's webhook, in place of the dev
 * host's container scan and receipts (delivery-and-retry docs; BlobsExtensionConfigProvider):
 * one event per write seen (writes between two looks coalesce), some delivered twice, some dropped
 * for good, no receipts (a duplicate runs the function again), and nothing for blobs written while
 * the host was down (the first look only records what exists). Each drop and duplicate is a fault.
 */
export class EventGridDelivery {
    readonly #seen = new Map<string, string>();
    /** Writes seen per blob since the first look: the n in each fault decision's key. */
    readonly #writes = new Map<string, number>();
    #primed = false;
    #onEnqueued: (() => void) | undefined;

    constructor(
        private readonly watched: readonly WatchedBlobs[],
        private readonly queue: QueueClient,
        private readonly profile: SemanticsProfile,
        private readonly shares: EventGridShares,
    ) {}

    /**
     * Called after each look that queued messages: the blob extension's webhook queues through
     * `BlobTriggerQueueWriter.EnqueueAsync`, which notifies the queue listener of the same
     * instance (`SharedQueueWatcher.Notify`), so the listener polls at once.
     */
    onEnqueued(listener: () => void): void {
        this.#onEnqueued = listener;
    }

    /** One look at the watched containers; the first only records what is there. */
    async tick(): Promise<void> {
        let queued = 0;
        for (const w of this.watched) {
            const container = w.blobs.getContainerClient(w.pattern.container);
            if (!(await container.exists())) continue;
            for await (const blob of container.listBlobsFlat({ prefix: w.pattern.prefix })) {
                const etag = unquote(blob.properties.etag);
                if (!etag || !w.pattern.match(blob.name)) continue;
                const key = `${w.fn.id}\0${w.pattern.container}/${blob.name}`;
                if (this.#seen.get(key) === etag) continue;
                this.#seen.set(key, etag);
                if (!this.#primed) continue;
                const subject = `${w.pattern.container}/${blob.name}`;
                // Decided by the seed, the blob and which of its writes this is, never by a shared
                // stream: a seed drops the same uploads however the test's work interleaves.
                const nth = (this.#writes.get(key) ?? 0) + 1;
                this.#writes.set(key, nth);
                // Keyed by the blob's name, not its container's: tests give each run a container of
                // its own (a unique name), and a seed must drop the same uploads in every run.
                const seed = this.profile.seed;
                const write = `${w.fn.id}\0${blob.name}#${nth}`;
                if (keyedChance(seed, `event-drop\0${write}`, this.shares.dropShare)) {
                    this.profile.faults.record('blob-event-dropped', subject, `write ${etag}`);
                    continue;
                }
                const copies = keyedChance(seed, `event-duplicate\0${write}`, this.shares.duplicateShare) ? 2 : 1;
                if (copies > 1) this.profile.faults.record('blob-event-duplicated', subject, `write ${etag}`);
                for (let i = 0; i < copies; i++) {
                    await this.queue.sendMessage(
                        encodeMessage({
                            Type: 'BlobTrigger',
                            FunctionId: `Host.Functions.${w.fn.id}`,
                            BlobType: 'BlockBlob',
                            ContainerName: w.pattern.container,
                            BlobName: blob.name,
                            ETag: etag,
                        }),
                    );
                    queued++;
                }
            }
        }
        this.#primed = true;
        if (queued > 0) this.#onEnqueued?.();
    }
}

/** Environment variable: a regular expression of blob names whose trigger invocation always fails (injected). */
export const FAIL_BLOBS_ENV = 'RETRAINER_HOST_SEMANTICS_FAIL_BLOBS';

/**
 * Blob-trigger invocations that fail for good, for tests of what happens after poison (an
 * instance out of memory on a large blob, say). Each failed invocation is a fault
 * `blob-invocation-failed`. @throws Error naming the variable when the pattern is not a valid RegExp.
 */
export function failingBlobs(
    env: Record<string, string | undefined>,
    profile: SemanticsProfile,
): ((blobName: string) => boolean) | undefined {
    const raw = env[FAIL_BLOBS_ENV];
    if (!raw) return undefined;
    let re: RegExp;
    try {
        re = new RegExp(raw);
    } catch (err: unknown) {
        throw new Error(`${FAIL_BLOBS_ENV} is not a valid regular expression: ${String(err)}`, { cause: err });
    }
    return (blobName) => {
        if (!re.test(blobName)) return false;
        profile.faults.record('blob-invocation-failed', blobName, 'injected failure of the trigger invocation');
        return true;
    };
}
