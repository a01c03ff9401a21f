import { createHash } from 'node:crypto';

export interface ManifestEntry {
    name: string;
    etag: string;
    /** sha256 of the file's canonical rows (the intake pass): identical content shares it, however uploaded. */
    contentHash?: string;
    /** Base64 MD5 of the content when the store knows it (manifests recorded before content hashes). */
    contentMd5?: string;
}

/** What the run key hashes for one file: its content hash, else (older manifests) its MD5 or ETag. */
export function fileIdentity(e: ManifestEntry): string {
    if (e.contentHash) return `${e.name}\0sha256:${e.contentHash}`;
    return `${e.name}\0${e.contentMd5 ? `md5:${e.contentMd5}` : `etag:${e.etag}`}`;
}

/**
 * The identity of a run's input: a hash over the blob names and their content hashes, in name
 * order. Duplicate events and re-uploads of identical bytes (by any tool: block uploads carry no
 * Content-MD5) give the same key, so they start nothing new; any changed value (or added/removed
 * file) gives a new key.
 */
export function runKeyOf(entries: readonly ManifestEntry[]): string {
    const hash = createHash('sha256');
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of sorted) {
        hash.update(fileIdentity(e));
        hash.update('\n');
    }
    return hash.digest('hex');
}
