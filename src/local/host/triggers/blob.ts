import { BlobGetPropertiesResponse, BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';

import { resolveSettingRefs } from '../config/settings';
import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { RegisteredFunction } from '../core/registry';
import { RpcTypedData } from '../core/types';
import { tolerate } from '../storage/clients';
import { BlobPathPattern, parseBlobPath } from './blobPath';

/** The queue message the host writes for each blob to process (BlobTriggerQueueWriter). */
export interface BlobTriggerMessage {
    Type: 'BlobTrigger';
    FunctionId: string;
    BlobType: string;
    ContainerName: string;
    BlobName: string;
    ETag: string;
}

export interface BlobTriggerOptions {
    hostId: string;
    maxDequeueCount: number;
    /** Time a failed message stays invisible before its next attempt. */
    retryDelayMs: number;
    /** How long a dequeued message stays hidden while its function runs. */
    visibilityTimeoutMs: number;
}

interface Watched {
    fn: RegisteredFunction;
    pattern: BlobPathPattern;
    blobs: BlobServiceClient;
}

export const POISON_QUEUE = 'webjobs-blobtrigger-poison';

/** Listings and property reads quote ETags differently. */
function unquote(etag: string | undefined): string {
    return (etag ?? '').replace(/"/g, '');
}

function encode(msg: BlobTriggerMessage): string {
    return Buffer.from(JSON.stringify(msg), 'utf8').toString('base64');
}

function decode(text: string): BlobTriggerMessage {
    const raw = /^[A-Za-z0-9+/=]+$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
    return JSON.parse(raw) as BlobTriggerMessage;
}

/**
 * Blob triggers the classic way: scan the containers, write a receipt per (function, blob, ETag)
 * under azure-webjobs-hosts/blobreceipts, queue a message per new receipt, run the function from
 * the queue, mark the receipt complete on success, and move the message to the poison queue after
 * maxDequeueCount failures. A blob is therefore processed once per ETag, across restarts.
 */
export class BlobTriggerListener {
    readonly #watched: Watched[] = [];
    readonly #complete = new Set<string>();

    constructor(
        functions: { fn: RegisteredFunction; blobs: BlobServiceClient }[],
        private readonly invoker: Invoker,
        private readonly hosts: ContainerClient,
        readonly queue: QueueClient,
        readonly poison: QueueClient,
        private readonly log: HostLogger,
        private readonly options: BlobTriggerOptions,
    ) {
        for (const { fn, blobs } of functions) {
            this.#watched.push({
                fn,
                blobs,
                pattern: parseBlobPath(resolveSettingRefs(typeof fn.trigger.path === 'string' ? fn.trigger.path : '')),
            });
        }
    }

    async ensure(): Promise<void> {
        await this.queue.createIfNotExists();
        await this.poison.createIfNotExists();
        for (const w of this.#watched) await w.blobs.getContainerClient(w.pattern.container).createIfNotExists();
    }

    private receiptName(fnId: string, etag: string, container: string, blob: string): string {
        return `blobreceipts/${this.options.hostId}/Host.Functions.${fnId}/${unquote(etag)}/${container}/${blob}`;
    }

    /** One scan of every watched container; queues what has no receipt yet. */
    async scan(): Promise<number> {
        let queued = 0;
        for (const w of this.#watched) {
            const container = w.blobs.getContainerClient(w.pattern.container);
            for await (const blob of container.listBlobsFlat({ prefix: w.pattern.prefix })) {
                const etag = unquote(blob.properties.etag);
                if (!etag || !w.pattern.match(blob.name)) continue;
                const receipt = this.receiptName(w.fn.id, etag, w.pattern.container, blob.name);
                if (this.#complete.has(receipt)) continue;
                const client = this.hosts.getBlockBlobClient(receipt);
                const created = await tolerate(
                    client.upload('', 0, { metadata: { incomplete: 'true' }, conditions: { ifNoneMatch: '*' } }),
                    409,
                );
                if (!created) {
                    const props = await tolerate(client.getProperties(), 404);
                    if (props && props.metadata?.incomplete !== 'true') this.#complete.add(receipt);
                    continue;
                }
                await this.queue.sendMessage(
                    encode({
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
        return queued;
    }

    /** One drain of the trigger queue. */
    async processQueue(): Promise<void> {
        const { receivedMessageItems } = await this.queue.receiveMessages({
            numberOfMessages: 16,
            visibilityTimeout: Math.ceil(this.options.visibilityTimeoutMs / 1000),
        });
        await Promise.all(
            receivedMessageItems.map((m) => this.handle(m.messageText, m.messageId, m.popReceipt, m.dequeueCount)),
        );
    }

    private async handle(text: string, id: string, popReceipt: string, dequeueCount: number): Promise<void> {
        let msg: BlobTriggerMessage;
        try {
            msg = decode(text);
        } catch {
            this.log.host(`Blob trigger queue: unreadable message ${id} moved to ${POISON_QUEUE}`, 'warning');
            await this.poison.sendMessage(text);
            await this.queue.deleteMessage(id, popReceipt);
            return;
        }
        const w = this.#watched.find(
            (x) => `Host.Functions.${x.fn.id}` === msg.FunctionId && x.pattern.container === msg.ContainerName,
        );
        const blob = w?.blobs.getContainerClient(msg.ContainerName).getBlockBlobClient(msg.BlobName);
        const props = blob ? await tolerate(blob.getProperties(), 404) : undefined;
        // Gone, or changed since it was queued (the new ETag gets its own receipt): nothing to do.
        if (!w || !blob || !props || unquote(props.etag) !== unquote(msg.ETag)) {
            await this.queue.deleteMessage(id, popReceipt);
            return;
        }
        try {
            const content = await blob.downloadToBuffer();
            await this.invoker.invoke(w.fn.id, {
                inputData: [{ name: w.fn.triggerName, data: { bytes: content } }],
                triggerMetadata: this.bindingData(w, msg, blob.url, props),
                reason: `New blob detected(${msg.BlobType}): ${msg.ContainerName}/${msg.BlobName}`,
            });
        } catch {
            if (dequeueCount >= this.options.maxDequeueCount) {
                this.log.host(
                    `Blob '${msg.ContainerName}/${msg.BlobName}' failed ${dequeueCount} times in '${w.fn.id}'; message moved to queue '${POISON_QUEUE}'.`,
                    'error',
                );
                await this.poison.sendMessage(encode(msg));
                await this.queue.deleteMessage(id, popReceipt);
            } else {
                await this.queue.updateMessage(id, popReceipt, undefined, Math.ceil(this.options.retryDelayMs / 1000));
            }
            return;
        }
        const receipt = this.receiptName(w.fn.id, msg.ETag, msg.ContainerName, msg.BlobName);
        await this.hosts.getBlockBlobClient(receipt).setMetadata({ incomplete: 'false' });
        this.#complete.add(receipt);
        await this.queue.deleteMessage(id, popReceipt);
    }

    private bindingData(
        w: Watched,
        msg: BlobTriggerMessage,
        url: string,
        props: BlobGetPropertiesResponse,
    ): Record<string, RpcTypedData> {
        const tokens = w.pattern.match(msg.BlobName) ?? {};
        const data: Record<string, RpcTypedData> = {
            BlobTrigger: { string: `${msg.ContainerName}/${msg.BlobName}` },
            Uri: { string: url },
            Properties: {
                json: JSON.stringify({
                    ContentLength: props.contentLength,
                    ContentType: props.contentType,
                    ContentMD5: props.contentMD5 ? Buffer.from(props.contentMD5).toString('base64') : null,
                    ETag: props.etag,
                    LastModified: props.lastModified?.toISOString(),
                    CreatedOn: props.createdOn?.toISOString(),
                    BlobType: props.blobType ?? 'BlockBlob',
                }),
            },
            Metadata: { json: JSON.stringify(props.metadata ?? {}) },
        };
        for (const [k, v] of Object.entries(tokens)) data[k] = { string: v };
        return data;
    }
}
