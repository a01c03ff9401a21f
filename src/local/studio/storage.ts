import { Readable } from 'node:stream';

import {
    BlobSASPermissions,
    BlobServiceClient,
    BlockBlobClient,
    ContainerClient,
    RestError,
    StorageSharedKeyCredential,
    generateBlobSASQueryParameters,
} from '@azure/storage-blob';

import type { BlobRef } from './state';

/** Why a job's storage access failed; its message goes to the job's Details (no secrets in it). */
export class StorageAccessError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'StorageAccessError';
    }
}

export function splitRelative(relative: string): { container: string; blob: string } {
    const clean = relative.replace(/^\/+/, '');
    const slash = clean.indexOf('/');
    if (slash <= 0 || slash === clean.length - 1) {
        throw new StorageAccessError(`RelativeLocation '${relative}' must be 'container/path/to/blob'.`);
    }
    return { container: clean.slice(0, slash), blob: clean.slice(slash + 1) };
}

/** A blob client for a BES data reference: connection string + relative, or base + SAS + relative. */
export function blobFor(ref: BlobRef): BlockBlobClient {
    if (!ref.RelativeLocation) throw new StorageAccessError('RelativeLocation is required.');
    const { container, blob } = splitRelative(ref.RelativeLocation);
    if (ref.ConnectionString) {
        try {
            return BlobServiceClient.fromConnectionString(ref.ConnectionString)
                .getContainerClient(container)
                .getBlockBlobClient(blob);
        } catch {
            throw new StorageAccessError('The ConnectionString is not a valid storage connection string.');
        }
    }
    if (ref.BaseLocation) {
        const base = ref.BaseLocation.endsWith('/') ? ref.BaseLocation : `${ref.BaseLocation}/`;
        const sas = ref.SasBlobToken
            ? ref.SasBlobToken.startsWith('?')
                ? ref.SasBlobToken
                : `?${ref.SasBlobToken}`
            : '';
        return new BlockBlobClient(`${base}${container}/${encodePath(blob)}${sas}`);
    }
    throw new StorageAccessError('A data reference needs a ConnectionString or a BaseLocation.');
}

function containerFor(ref: BlobRef): ContainerClient {
    const { container } = splitRelative(ref.RelativeLocation!);
    if (ref.ConnectionString)
        return BlobServiceClient.fromConnectionString(ref.ConnectionString).getContainerClient(container);
    const base = ref.BaseLocation!.endsWith('/') ? ref.BaseLocation! : `${ref.BaseLocation!}/`;
    const sas = ref.SasBlobToken ? (ref.SasBlobToken.startsWith('?') ? ref.SasBlobToken : `?${ref.SasBlobToken}`) : '';
    return new ContainerClient(`${base}${container}${sas}`);
}

function encodePath(blob: string): string {
    return blob.split('/').map(encodeURIComponent).join('/');
}

/** Names a blob for messages and logs: container and path, never the account key or SAS. */
export function describeRef(ref: BlobRef): string {
    return ref.RelativeLocation ?? '(no RelativeLocation)';
}

export async function assertBlobExists(ref: BlobRef, inputName: string): Promise<void> {
    try {
        await blobFor(ref).getProperties();
    } catch (err) {
        if (err instanceof StorageAccessError) throw err;
        if (err instanceof RestError && err.statusCode === 404) {
            throw new StorageAccessError(`Input '${inputName}': blob '${describeRef(ref)}' was not found.`);
        }
        if (err instanceof RestError && (err.statusCode === 403 || err.statusCode === 401)) {
            throw new StorageAccessError(
                `Input '${inputName}': access to blob '${describeRef(ref)}' was denied (check the key or SAS token).`,
            );
        }
        throw new StorageAccessError(
            `Input '${inputName}': blob '${describeRef(ref)}' could not be read (${statusOf(err)}).`,
        );
    }
}

export function openBlob(ref: BlobRef, abortSignal?: AbortSignal): () => Promise<Readable> {
    return async () => {
        const res = await blobFor(ref).download(0, undefined, { abortSignal });
        const body = res.readableStreamBody;
        if (!body) throw new StorageAccessError(`Blob '${describeRef(ref)}' returned no content.`);
        return body instanceof Readable ? body : Readable.from(body as AsyncIterable<Buffer>);
    };
}

export async function writeBlob(
    ref: BlobRef,
    bytes: Buffer | string,
    contentType: string,
    abortSignal?: AbortSignal,
): Promise<void> {
    const client = blobFor(ref);
    const options = { blobHTTPHeaders: { blobContentType: contentType }, abortSignal };
    try {
        await client.upload(bytes, Buffer.byteLength(bytes), options);
    } catch (err) {
        if (err instanceof RestError && err.statusCode === 404) {
            // The container may not exist yet; the real service creates output containers too.
            await containerFor(ref).createIfNotExists({ abortSignal });
            await client.upload(bytes, Buffer.byteLength(bytes), options);
            return;
        }
        if (abortSignal?.aborted) throw err;
        throw new StorageAccessError(`Output blob '${describeRef(ref)}' could not be written (${statusOf(err)}).`);
    }
}

/** Best effort: removes an output a cancelled job may have written. */
export async function deleteBlobQuietly(ref: BlobRef): Promise<void> {
    try {
        await blobFor(ref).deleteIfExists();
    } catch {
        // Nothing more to do: the job is already cancelled.
    }
}

/** The Results entry for an output: base location and a fresh read-only SAS for that one blob. */
export function resultFor(
    ref: BlobRef,
    now: Date,
    validForInMs = 3_600_000,
): Required<Omit<BlobRef, 'ConnectionString'>> & { ConnectionString: null } {
    const client = blobFor(ref);
    const { container, blob } = splitRelative(ref.RelativeLocation!);
    const base = client.url.slice(0, client.url.indexOf(`/${container}/`) + 1);
    let sas = ref.SasBlobToken ?? '';
    if (ref.ConnectionString) {
        const credential = BlobServiceClient.fromConnectionString(ref.ConnectionString).credential;
        if (credential instanceof StorageSharedKeyCredential) {
            sas = `?${generateBlobSASQueryParameters(
                {
                    containerName: container,
                    blobName: blob,
                    permissions: BlobSASPermissions.parse('r'),
                    startsOn: new Date(now.getTime() - 5 * 60_000),
                    expiresOn: new Date(now.getTime() + validForInMs),
                },
                credential,
            ).toString()}`;
        }
    }
    return { ConnectionString: null, RelativeLocation: `${container}/${blob}`, BaseLocation: base, SasBlobToken: sas };
}

/**
 * Reads a model by URL (a SAS in the URL is used as given); a URL in the emulator's own account
 * without a SAS is read with the emulator's key, as the real service reads its own storage.
 */
export async function readModelBytes(url: string, ownConnectionString: string): Promise<Buffer> {
    let client = new BlockBlobClient(url);
    if (!new URL(url).searchParams.has('sig')) {
        const own = BlobServiceClient.fromConnectionString(ownConnectionString);
        if (url.startsWith(own.url)) {
            const { container, blob } = splitRelative(
                decodeURIComponent(new URL(url).pathname.slice(new URL(own.url).pathname.length)),
            );
            client = own.getContainerClient(container).getBlockBlobClient(blob);
        }
    }
    try {
        return await client.downloadToBuffer();
    } catch (err) {
        const where = url.split('?')[0];
        if (err instanceof RestError && err.statusCode === 404)
            throw new StorageAccessError(`The model '${where}' was not found.`);
        if (err instanceof RestError && (err.statusCode === 403 || err.statusCode === 401)) {
            throw new StorageAccessError(`Access to the model '${where}' was denied (expired or wrong SAS token?).`);
        }
        throw new StorageAccessError(`The model '${where}' could not be read (${statusOf(err)}).`);
    }
}

function statusOf(err: unknown): string {
    if (err instanceof RestError) return `HTTP ${err.statusCode ?? 'error'} ${err.code ?? ''}`.trim();
    return err instanceof Error ? err.name : 'unknown error';
}
