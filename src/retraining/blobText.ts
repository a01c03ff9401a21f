import type { BlobClient } from '@azure/storage-blob';

/**
 * The text (UTF-8) of one version of a blob, read in one GET. Not `downloadToBuffer`: it sizes its
 * buffer from a HEAD and then reads ranges, so a writer replacing the blob in between gives a
 * cut-off or mixed body (torn JSON). For the small state blobs that other copies rewrite while
 * they are read (intake verdicts, the catch-up report).
 * @throws RestError from storage (404 when there is no such blob)
 */
export async function readBlobText(blob: Pick<BlobClient, 'download'>): Promise<string> {
    const res = await blob.download();
    const chunks: Buffer[] = [];
    for await (const c of res.readableStreamBody ?? []) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    return Buffer.concat(chunks).toString('utf8');
}
