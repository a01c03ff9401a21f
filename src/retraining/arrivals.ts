import type { ManifestBlob, ManifestSnapshot, RunTrigger } from '../orchestrators/contracts';

/*
 * Which writes under a target's data are new data: shared by the orchestrator's look after a run
 * (src/orchestrators/followUp.ts, arrivals.ts) and the timer's catch-up pass
 * (src/functions/shared/catchUp.ts), so the two cannot judge one listing differently. The
 * orchestrator replays this code, so it stays pure (lint holds it to the orchestrators' rules).
 */

/**
 * The trigger for the data that arrived between two listings, or undefined when none did. Only a
 * write the earlier listing did not see starts a run, as with the blob trigger: a new file, or a new
 * version of a listed one (unless it holds the very rows the run trained: an identical re-upload).
 * The run key also changes when the set of files to train changes without any write: a file
 * deleted, excluded or quarantined (by this very run, when it ended Rejected), which can pull a
 * file the run listed but left out (outside the window, say) into the set. That is no new data; a
 * run for it would be named after a file nobody uploaded, and after a quarantining rejection it
 * would be rejected and quarantine the next file in turn.
 */
export function arrivalSince(used: ManifestSnapshot, now: ManifestSnapshot): RunTrigger | undefined {
    const seen = new Set(listedWrites(used).map((w) => `${w.blobName}\0${w.etag}`));
    const trained = new Set(used.blobs.map(identity));
    const arrived = now.blobs.find((b) => !seen.has(`${b.name}\0${bareEtag(b.etag)}`) && !trained.has(identity(b)));
    return arrived ? { kind: 'blob', blobName: arrived.name } : undefined;
}

/** The blob versions a run's listing saw (trained, refused or left out), quotes stripped. */
export function listedWrites(m: ManifestSnapshot | undefined): { blobName: string; etag: string }[] {
    if (!m) return [];
    const all = [...m.blobs, ...(m.rejected ?? []), ...(m.leftOut ?? [])];
    return all.flatMap((b) => (b.etag ? [{ blobName: b.name, etag: bareEtag(b.etag) }] : []));
}

/** An ETag without its quotes (and weak marker), as blob listings and events spell it differently. */
export function bareEtag(etag: string): string {
    return etag.replace(/^(W\/)?"(.*)"$/, '$2');
}

/**
 * What the run key hashes for a file (as `retraining/runKey.ts` does): its content hash, so an
 * identical re-upload by any tool is no new data; older manifests fall back to the MD5 or ETag.
 */
function identity(b: ManifestBlob): string {
    if (b.contentHash) return `${b.name}\0sha256:${b.contentHash}`;
    return `${b.name}\0${b.contentMd5 ? `md5:${b.contentMd5}` : `etag:${b.etag}`}`;
}
