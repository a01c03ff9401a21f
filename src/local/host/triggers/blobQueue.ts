import { QueueClient } from '@azure/storage-queue';

import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { tolerate } from '../storage/clients';
import { blobBindingData } from './blobBindingData';
import { BlobTriggerMessage, decodeMessage, encodeMessage, POISON_QUEUE, unquote } from './blobMessage';
import { BlobReceipts } from './blobReceipts';
import { WatchedBlobs } from './blobScan';

export interface BlobQueueOptions {
    maxDequeueCount: number;
    /** Time a failed message stays invisible before its next attempt. */
    retryDelayMs: number;
    /** How long a dequeued message stays hidden while its function runs. */
    visibilityTimeoutMs: number;
    /** At most this many invocations at once (host.json extensions.blobs.maxDegreeOfParallelism). */
    maxParallelism?: number;
    /** Semantics profile: true for a blob whose invocation is to fail (an injected, recorded fault). */
    injectFailure?: (blobName: string) => boolean;
    /**
     * Run a message whose blob changed since it was queued, on the current blob, as the blob
     * extension does for EventGrid-sourced triggers (BlobQueueTriggerExecutor compares the ETag only
     * for scans). Default false: the dev host skips it (the new ETag gets its own message).
     */
    runChangedBlobs?: boolean;
}

/**
 * Runs blob-triggered functions from the trigger queue: re-checks the blob's ETag, invokes the
 * function, marks the receipt complete on success, and moves the message to the poison queue
 * after maxDequeueCount failures.
 */
export class BlobQueueProcessor {
    constructor(
        private readonly watched: readonly WatchedBlobs[],
        private readonly receipts: BlobReceipts,
        private readonly invoker: Invoker,
        private readonly queue: QueueClient,
        private readonly poison: QueueClient,
        private readonly log: HostLogger,
        private readonly options: BlobQueueOptions,
    ) {}

    /**
     * One drain of the trigger queue: at most maxParallelism messages (the queue gives at most 32),
     * run together; the poll loop never overlaps two drains, so no more run at once. True when it
     * received any message (the poll loop's backoff resets, as the WebJobs queue listener's does).
     */
    async drain(): Promise<boolean> {
        const { receivedMessageItems } = await this.queue.receiveMessages({
            numberOfMessages: Math.max(1, Math.min(32, this.options.maxParallelism ?? 16)),
            visibilityTimeout: Math.ceil(this.options.visibilityTimeoutMs / 1000),
        });
        await Promise.all(
            receivedMessageItems.map((m) => this.handle(m.messageText, m.messageId, m.popReceipt, m.dequeueCount)),
        );
        return receivedMessageItems.length > 0;
    }

    private async handle(text: string, id: string, popReceipt: string, dequeueCount: number): Promise<void> {
        let msg: BlobTriggerMessage;
        try {
            msg = decodeMessage(text);
        } catch {
            this.log.host(`Blob trigger queue: unreadable message ${id} moved to ${POISON_QUEUE}`, 'warning');
            await this.poison.sendMessage(text);
            await this.queue.deleteMessage(id, popReceipt);
            return;
        }
        const w = this.watched.find(
            (x) => `Host.Functions.${x.fn.id}` === msg.FunctionId && x.pattern.container === msg.ContainerName,
        );
        const blob = w?.blobs.getContainerClient(msg.ContainerName).getBlockBlobClient(msg.BlobName);
        const props = blob ? await tolerate(blob.getProperties(), 404) : undefined;
        // Gone, or changed since it was queued (the new ETag gets its own receipt): nothing to do.
        if (!w || !blob || !props || (!this.options.runChangedBlobs && unquote(props.etag) !== unquote(msg.ETag))) {
            await this.queue.deleteMessage(id, popReceipt);
            return;
        }
        try {
            if (this.options.injectFailure?.(msg.BlobName)) throw new Error('injected invocation failure');
            const content = await blob.downloadToBuffer();
            await this.invoker.invoke(w.fn.id, {
                inputData: [{ name: w.fn.triggerName, data: { bytes: content } }],
                triggerMetadata: blobBindingData(w.pattern, msg, blob.url, props),
                reason: `New blob detected(${msg.BlobType}): ${msg.ContainerName}/${msg.BlobName}`,
            });
        } catch {
            if (dequeueCount >= this.options.maxDequeueCount) {
                this.log.host(
                    `Blob '${msg.ContainerName}/${msg.BlobName}' failed ${dequeueCount} times in '${w.fn.id}'; message moved to queue '${POISON_QUEUE}'.`,
                    'error',
                );
                await this.poison.sendMessage(encodeMessage(msg));
                await this.queue.deleteMessage(id, popReceipt);
            } else {
                await this.queue.updateMessage(id, popReceipt, undefined, Math.ceil(this.options.retryDelayMs / 1000));
            }
            return;
        }
        await this.receipts.complete(w.fn.id, msg.ETag, msg.ContainerName, msg.BlobName);
        await this.queue.deleteMessage(id, popReceipt);
    }
}
