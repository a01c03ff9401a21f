/** The queue message the host writes for each blob to process (BlobTriggerQueueWriter). */
export interface BlobTriggerMessage {
    Type: 'BlobTrigger';
    FunctionId: string;
    BlobType: string;
    ContainerName: string;
    BlobName: string;
    ETag: string;
}

export const POISON_QUEUE = 'webjobs-blobtrigger-poison';

/** Listings and property reads quote ETags differently. */
export function unquote(etag: string | undefined): string {
    return (etag ?? '').replace(/"/g, '');
}

export function encodeMessage(msg: BlobTriggerMessage): string {
    return Buffer.from(JSON.stringify(msg), 'utf8').toString('base64');
}

export function decodeMessage(text: string): BlobTriggerMessage {
    const raw = /^[A-Za-z0-9+/=]+$/.test(text) ? Buffer.from(text, 'base64').toString('utf8') : text;
    return JSON.parse(raw) as BlobTriggerMessage;
}
