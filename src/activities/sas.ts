import {
    BlobSASPermissions,
    BlobServiceClient,
    StorageSharedKeyCredential,
    generateBlobSASQueryParameters,
} from '@azure/storage-blob';

/**
 * A SAS for exactly one blob, with only the permissions given, valid from shortly before now
 * until `validForInMs` from now: what BES and the scoring service get instead of account keys.
 */
export function blobSas(
    blobs: BlobServiceClient,
    container: string,
    blob: string,
    permissions: 'r' | 'cw',
    now: Date,
    validForInMs: number,
): string {
    const credential = blobs.credential;
    if (!(credential instanceof StorageSharedKeyCredential)) {
        // Identity-based storage needs a user delegation key instead; not supported yet.
        throw new Error('Signing SAS tokens needs the storage account key (a connection string with AccountKey).');
    }
    return `?${generateBlobSASQueryParameters(
        {
            containerName: container,
            blobName: blob,
            permissions: BlobSASPermissions.parse(permissions),
            startsOn: new Date(now.getTime() - 5 * 60_000),
            expiresOn: new Date(now.getTime() + validForInMs),
        },
        credential,
    ).toString()}`;
}

/** The account's blob endpoint with a trailing slash: a BES BaseLocation. */
export function baseLocation(blobs: BlobServiceClient): string {
    return blobs.url.endsWith('/') ? blobs.url : `${blobs.url}/`;
}
