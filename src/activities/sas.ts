import {
    BlobSASPermissions,
    BlobSASSignatureValues,
    BlobServiceClient,
    StorageSharedKeyCredential,
    generateBlobSASQueryParameters,
} from '@azure/storage-blob';

/** Clock skew allowance: a SAS (and its delegation key) is valid from shortly before now. */
const SKEW_IN_MS = 5 * 60_000;
const DELEGATION_SAS_VERSION = '2025-07-05';

/**
 * A SAS for exactly one blob, with only the permissions given, valid from shortly before now
 * until `validForInMs` from now: what BES and the scoring service get instead of account keys.
 * Signed with the account key when the connection has one, else with a user delegation key
 * (identity-based connections; the identity needs generateUserDelegationKey, which the Storage
 * Blob Data Contributor/Owner roles include). A delegation key lives at most 7 days.
 */
export async function blobSas(
    blobs: BlobServiceClient,
    container: string,
    blob: string,
    permissions: 'r' | 'cw',
    now: Date,
    validForInMs: number,
): Promise<string> {
    const startsOn = new Date(now.getTime() - SKEW_IN_MS);
    const expiresOn = new Date(now.getTime() + validForInMs);
    const values: BlobSASSignatureValues = {
        containerName: container,
        blobName: blob,
        permissions: BlobSASPermissions.parse(permissions),
        startsOn,
        expiresOn,
    };
    const credential = blobs.credential;
    if (credential instanceof StorageSharedKeyCredential) {
        return `?${generateBlobSASQueryParameters(values, credential).toString()}`;
    }
    const key = await blobs.getUserDelegationKey(startsOn, expiresOn);
    // Pinned: the SDK's newest delegation SAS format (2026-04-06) is not verified by Azurite 3.35;
    // Azure accepts this older, equivalent format, so one token shape runs in both.
    const signed = { ...values, version: DELEGATION_SAS_VERSION };
    return `?${generateBlobSASQueryParameters(signed, key, blobs.accountName).toString()}`;
}

/** The account's blob endpoint with a trailing slash: a BES BaseLocation. */
export function baseLocation(blobs: BlobServiceClient): string {
    return blobs.url.endsWith('/') ? blobs.url : `${blobs.url}/`;
}
