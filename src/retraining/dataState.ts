import { ContainerClient, RestError } from '@azure/storage-blob';

import { DataState, emptyDataState } from './dataPolicy';

/** The blob (in the runs container) holding a target's exclusions and quarantines. */
export function dataStateBlobName(target: string): string {
    return `datastate/${target}.json`;
}

/** Gave up after repeated concurrent writes of one target's data state (each re-read and re-applied). */
export class DataStateConflictError extends Error {
    override name = 'DataStateConflictError';
}

/**
 * A target's data state (see `DataState`) as one JSON blob in Retrainer's runs container. Updates
 * are read-modify-write under the blob's ETag: a concurrent writer's change is re-read and the
 * update applied again on top of it, so neither is lost.
 */
export class DataStateStore {
    constructor(private readonly container: ContainerClient) {}

    /** The target's state (empty when none was written yet). Throws storage errors. */
    async load(target: string): Promise<DataState> {
        return (await this.read(target)).state;
    }

    /**
     * Applies `change` to the current state and writes it, unless it returns the state unchanged
     * (the same object). Returns the state as written (or as read, when unchanged).
     * @throws DataStateConflictError after 16 concurrent-write conflicts in a row; storage errors.
     */
    async update(target: string, change: (state: DataState) => DataState): Promise<DataState> {
        for (let attempt = 0; attempt < 16; attempt++) {
            const { state, etag } = await this.read(target);
            const next = change(state);
            if (next === state) return state;
            const body = JSON.stringify(next, null, 2);
            const blob = this.container.getBlockBlobClient(dataStateBlobName(target));
            try {
                await blob.upload(body, Buffer.byteLength(body), {
                    blobHTTPHeaders: { blobContentType: 'application/json' },
                    conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
                });
                return next;
            } catch (err) {
                if (!(err instanceof RestError)) throw err;
                if (err.statusCode === 404) {
                    await this.container.createIfNotExists();
                    continue;
                }
                if (err.statusCode === 412 || err.statusCode === 409) continue;
                throw err;
            }
        }
        throw new DataStateConflictError(`The data state of target '${target}' kept changing concurrently; try again.`);
    }

    private async read(target: string): Promise<{ state: DataState; etag?: string }> {
        try {
            const blob = this.container.getBlockBlobClient(dataStateBlobName(target));
            const res = await blob.download();
            const chunks: Buffer[] = [];
            for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.from(c as Buffer));
            const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Partial<DataState>;
            const state: DataState = {
                version: 1,
                excluded: doc.excluded ?? {},
                quarantined: doc.quarantined ?? {},
                released: doc.released ?? {},
            };
            return { state, ...(res.etag ? { etag: res.etag } : {}) };
        } catch (err) {
            if (err instanceof RestError && err.statusCode === 404) return { state: emptyDataState() };
            throw err;
        }
    }
}
