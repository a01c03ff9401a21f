import type { ContainerClient } from '@azure/storage-blob';

import { listPrefix, matchesDataPattern } from '../dataPattern';
import type { ListedFile } from './verdicts';

/** A blob under a target's data pattern, as the listing gives it. */
export interface ListedDataFile extends ListedFile {
    /** ISO time the blob was last written (its upload), from the listing. */
    lastModified: string;
}

/**
 * Every blob of a target's data: each blob of `container` whose name matches `prefixPattern`
 * (`matchesDataPattern`, so never a name breaking the training-data name rule), empty ones
 * included (an empty blob is data that cannot train: `knownVerdict` refuses it), sorted by name.
 * The snapshot and `GET /api/data/{target}` both list through this, so they see the same files.
 * A container that does not exist holds no data.
 * @throws storage errors
 */
export async function listDataFiles(container: ContainerClient, prefixPattern: string): Promise<ListedDataFile[]> {
    const out: ListedDataFile[] = [];
    if (!(await container.exists())) return out;
    for await (const b of container.listBlobsFlat({ prefix: listPrefix(prefixPattern) })) {
        if (!matchesDataPattern(prefixPattern, b.name)) continue;
        out.push({
            name: b.name,
            etag: b.properties.etag ?? '',
            contentLength: b.properties.contentLength ?? 0,
            lastModified: b.properties.lastModified.toISOString(),
        });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
