import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';

import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { RegisteredFunction } from '../core/registry';
import { BlobQueueOptions, BlobQueueProcessor } from './blobQueue';
import { BlobReceipts } from './blobReceipts';
import { scanContainers, WatchedBlobs, watchedBlobs } from './blobScan';

export { type BlobTriggerMessage, POISON_QUEUE } from './blobMessage';

export interface BlobTriggerOptions extends BlobQueueOptions {
    hostId: string;
}

/**
 * Blob triggers the classic way: scan the containers, write a receipt per (function, blob, ETag)
 * under azure-webjobs-hosts/blobreceipts, queue a message per new receipt, run the function from
 * the queue, mark the receipt complete on success, and move the message to the poison queue after
 * maxDequeueCount failures. A blob is therefore processed once per ETag, across restarts.
 */
export class BlobTriggerListener {
    readonly #watched: WatchedBlobs[];
    readonly #receipts: BlobReceipts;
    readonly #processor: BlobQueueProcessor;

    constructor(
        functions: { fn: RegisteredFunction; blobs: BlobServiceClient }[],
        invoker: Invoker,
        hosts: ContainerClient,
        readonly queue: QueueClient,
        readonly poison: QueueClient,
        log: HostLogger,
        options: BlobTriggerOptions,
    ) {
        this.#watched = functions.map(({ fn, blobs }) => watchedBlobs(fn, blobs));
        this.#receipts = new BlobReceipts(hosts, options.hostId);
        this.#processor = new BlobQueueProcessor(this.#watched, this.#receipts, invoker, queue, poison, log, options);
    }

    async ensure(): Promise<void> {
        await this.queue.createIfNotExists();
        await this.poison.createIfNotExists();
        for (const w of this.#watched) await w.blobs.getContainerClient(w.pattern.container).createIfNotExists();
    }

    /** The blob-triggered functions and the blobs their paths match. */
    get watched(): readonly WatchedBlobs[] {
        return this.#watched;
    }

    /** One scan of every watched container; queues what has no receipt yet. */
    scan(): Promise<number> {
        return scanContainers(this.#watched, this.#receipts, this.queue);
    }

    /** One drain of the trigger queue; true when it received any message. */
    processQueue(): Promise<boolean> {
        return this.#processor.drain();
    }
}
