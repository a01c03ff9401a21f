import { createHash } from 'node:crypto';

export interface ManifestEntry {
    name: string;
    etag: string;
    /** Base64 MD5 of the content when the store knows it; identical re-uploads share it. */
    contentMd5?: string;
}

/**
 * The identity of a run's input: a hash over the blob names and their content fingerprints, in
 * name order. Duplicate events and re-uploads of identical bytes give the same key, so they start
 * nothing new; any changed byte (or added/removed file) gives a new key.
 */
export function runKeyOf(entries: readonly ManifestEntry[]): string {
    const hash = createHash('sha256');
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of sorted) {
        hash.update(e.name);
        hash.update('\0');
        hash.update(e.contentMd5 ? `md5:${e.contentMd5}` : `etag:${e.etag}`);
        hash.update('\n');
    }
    return hash.digest('hex');
}
