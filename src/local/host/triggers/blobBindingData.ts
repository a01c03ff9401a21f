import { BlobGetPropertiesResponse } from '@azure/storage-blob';

import { RpcTypedData } from '../core/types';
import { BlobTriggerMessage } from './blobMessage';
import { BlobPathPattern } from './blobPath';

/** The trigger metadata the host gives a blob trigger: path tokens plus BlobTrigger, Uri, Properties, Metadata. */
export function blobBindingData(
    pattern: BlobPathPattern,
    msg: BlobTriggerMessage,
    url: string,
    props: BlobGetPropertiesResponse,
): Record<string, RpcTypedData> {
    const tokens = pattern.match(msg.BlobName) ?? {};
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
