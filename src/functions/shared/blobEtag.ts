import type { InvocationContext } from '@azure/functions';
import { RestError } from '@azure/storage-blob';
import type { BlobClient } from '@azure/storage-blob';

import { bareEtag } from '../../retraining/arrivals';

/**
 * The ETag (quotes stripped) of the blob version this invocation is for: from the trigger's
 * `Properties` (the .NET BlobProperties, camel-cased by the worker: `properties.eTag`), else read
 * from the blob (a HEAD), else undefined (the blob is gone; then the arrival cannot be told from a
 * repeated delivery and is treated as new). Storage errors other than 404 are thrown: the
 * invocation fails and is retried.
 */
export async function etagOf(
    metadata: InvocationContext['triggerMetadata'],
    blob: Pick<BlobClient, 'getProperties'>,
): Promise<string | undefined> {
    const props = metadata?.properties as { eTag?: unknown; ETag?: unknown; etag?: unknown } | undefined;
    const given = props?.eTag ?? props?.ETag ?? props?.etag;
    if (typeof given === 'string' && bareEtag(given) !== '') return bareEtag(given);
    try {
        const read = (await blob.getProperties()).etag;
        return read ? bareEtag(read) : undefined;
    } catch (err: unknown) {
        if (err instanceof RestError && err.statusCode === 404) return undefined;
        throw err;
    }
}
