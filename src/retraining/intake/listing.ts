import type { ContainerClient } from '@azure/storage-blob';

import { blobNameProblem, fitsDataPattern, listPrefix } from '../dataPattern';
import type { ListedFile } from './verdicts';

/** A blob under a target's data pattern, as the listing gives it. */
export interface ListedDataFile extends ListedFile {
    /** ISO time the blob was last written (its upload), from the listing. */
    lastModified: string;
}

/** One listing of a target's prefix: its data files, and the blobs there no target may train on. */
export interface TargetListing {
    /** As `listDataFiles` gives them. */
    files: ListedDataFile[];
    /**
     * Blobs that fit the pattern (`fitsDataPattern`) but whose names break the training-data name
     * rule (`blobNameProblem`), sorted by name: never data.
     */
    misnamed: ListedDataFile[];
}

/**
 * Every blob of a target's data: each blob of `container` whose name matches `prefixPattern`
 * (`matchesDataPattern`, so never a name breaking the training-data name rule), empty ones
 * included (an empty blob is data that cannot train: `knownVerdict` refuses it), sorted by name.
 * The snapshot lists through this and `GET /api/data/{target}` through `listTargetBlobs` (the same
 * listing), so they see the same files.
 * A container that does not exist holds no data.
 * @throws storage errors
 */
export async function listDataFiles(container: ContainerClient, prefixPattern: string): Promise<ListedDataFile[]> {
    return (await listTargetBlobs(container, prefixPattern)).files;
}

/**
 * `listDataFiles`, and from the same listing the blobs that fit the pattern with a name no target
 * may train on (written by another tool: the upload paths refuse such names). The snapshot never
 * sees those; `GET /api/data/{target}` lists them as refused, with `blobNameError`'s reason.
 * @throws storage errors
 */
export async function listTargetBlobs(container: ContainerClient, prefixPattern: string): Promise<TargetListing> {
    const files: ListedDataFile[] = [];
    const misnamed: ListedDataFile[] = [];
    if (!(await container.exists())) return { files, misnamed };
    for await (const b of container.listBlobsFlat({ prefix: listPrefix(prefixPattern) })) {
        if (!fitsDataPattern(prefixPattern, b.name)) continue;
        const file: ListedDataFile = {
            name: b.name,
            etag: b.properties.etag ?? '',
            contentLength: b.properties.contentLength ?? 0,
            lastModified: b.properties.lastModified.toISOString(),
        };
        (blobNameProblem(b.name) === undefined ? files : misnamed).push(file);
    }
    return { files: files.sort(byName), misnamed: misnamed.sort(byName) };
}

function byName(a: { name: string }, b: { name: string }): number {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
