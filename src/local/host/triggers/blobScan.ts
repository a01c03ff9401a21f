import { BlobServiceClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';

import { resolveSettingRefs } from '../config/settings';
import { RegisteredFunction } from '../core/registry';
import { encodeMessage, unquote } from './blobMessage';
import { BlobPathPattern, parseBlobPath } from './blobPath';
import { BlobReceipts } from './blobReceipts';

/** A blob-triggered function and the blobs its path matches. */
export interface WatchedBlobs {
    fn: RegisteredFunction;
    pattern: BlobPathPattern;
    blobs: BlobServiceClient;
}

export function watchedBlobs(fn: RegisteredFunction, blobs: BlobServiceClient): WatchedBlobs {
    return {
        fn,
        blobs,
        pattern: parseBlobPath(resolveSettingRefs(typeof fn.trigger.path === 'string' ? fn.trigger.path : '')),
    };
}

/** One scan of every watched container; queues what has no receipt yet and returns how many. */
export async function scanContainers(
    watched: readonly WatchedBlobs[],
    receipts: BlobReceipts,
    queue: QueueClient,
): Promise<number> {
    let queued = 0;
    for (const w of watched) {
        const container = w.blobs.getContainerClient(w.pattern.container);
        for await (const blob of container.listBlobsFlat({ prefix: w.pattern.prefix })) {
            const etag = unquote(blob.properties.etag);
            if (!etag || !w.pattern.match(blob.name)) continue;
            if (!(await receipts.claim(w.fn.id, etag, w.pattern.container, blob.name))) continue;
            await queue.sendMessage(
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
    return queued;
}
