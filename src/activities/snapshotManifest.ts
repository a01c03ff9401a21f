import type { ManifestBlob, ManifestSnapshot, SnapshotInput } from '../orchestrators/contracts';
import { listPrefix, matchesDataPattern } from '../retraining/dataPattern';
import { runKeyOf } from '../retraining/runKey';
import { validateUpload } from '../retraining/validateUpload';
import { ActivityDeps, targetOf } from './deps';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { SnapshotInput };

/** As much of a file as the upload check reads. */
const HEAD_BYTES = 64 * 1024;

/**
 * The data a run trains on: every blob of the target's data pattern (or the blobs an HTTP call
 * named), fingerprinted, with the run key and the earlier run that already judged exactly this data.
 * A file the upload check refuses stays in the container; it is left out here with its reason
 * (the same check as the blob trigger's), or it would fail every later run of the target.
 */
export async function snapshotManifest(deps: ActivityDeps, input: SnapshotInput): Promise<ManifestSnapshot> {
    const target = targetOf(deps, input.target);
    const container = deps.blobs.getContainerClient(target.data.container);
    const named = input.trigger.kind === 'http' ? input.trigger.blobNames : undefined;
    const blobs: ManifestBlob[] = [];
    const rejected: { name: string; reason: string }[] = [];
    if (!(await container.exists())) return { runKey: runKeyOf([]), blobs };
    for await (const b of container.listBlobsFlat({ prefix: listPrefix(target.data.prefixPattern) })) {
        if (!matchesDataPattern(target.data.prefixPattern, b.name)) continue;
        if (named && !named.includes(b.name)) continue;
        if (!b.properties.contentLength) continue; // empty files cannot be training data
        const head = await container
            .getBlobClient(b.name)
            .downloadToBuffer(0, Math.min(HEAD_BYTES, b.properties.contentLength));
        const problem = validateUpload(target, b.name, head);
        if (problem) {
            rejected.push({ name: b.name, reason: problem });
            continue;
        }
        const entry: ManifestBlob = {
            name: b.name,
            etag: b.properties.etag ?? '',
            contentLength: b.properties.contentLength,
        };
        if (b.properties.contentMD5) entry.contentMd5 = Buffer.from(b.properties.contentMD5).toString('base64');
        blobs.push(entry);
    }
    if (named) {
        const missing = named.filter((n) => !blobs.some((b) => b.name === n));
        if (missing.length > 0) {
            const why = rejected.filter((r) => named.includes(r.name)).map((r) => ` ${r.reason}.`);
            throw new Error(
                `Named data blob(s) not found for target '${target.name}': ${missing.join(', ')}.${why.join('')}`,
            );
        }
    }
    blobs.sort((a, b) => (a.name < b.name ? -1 : 1));
    const runKey = runKeyOf(blobs);
    const previousRunId = await deps.runs.findRunByKey(target.name, runKey);
    return {
        runKey,
        blobs,
        ...(previousRunId ? { previousRunId } : {}),
        ...(rejected.length > 0 ? { rejected } : {}),
    };
}
