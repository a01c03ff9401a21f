import { PassThrough, Readable } from 'node:stream';

import { ContainerClient, RestError } from '@azure/storage-blob';

import { describeProblem, IntakeSchema, judgeCsv } from '../retraining/intake';
import { quotedEtag } from '../retraining/intake/verdicts';

/**
 * The run's data cannot become the canonical CSV, and trying again will not change that: a named,
 * non-retriable failure. `message` is one line for people; `detail` says more, without paths.
 */
export class DataRefusedError extends Error {
    constructor(
        message: string,
        readonly detail?: string,
    ) {
        super(message);
        this.name = 'DataRefusedError';
    }
}

/** A file's header does not hold the target's columns (checked by name, in the dialect). */
export class HeaderMismatchError extends DataRefusedError {
    constructor(blob: string, why: string) {
        super(`Data file '${blob}' cannot be merged: ${why}.`);
        this.name = 'HeaderMismatchError';
    }
}

/**
 * A file is no longer the version the run's snapshot judged: replaced or changed since, or
 * (`deleted`) gone, which says so rather than imply a new version will train.
 */
export class DataChangedError extends DataRefusedError {
    constructor(
        blob: string,
        readonly deleted = false,
    ) {
        super(
            deleted
                ? `Data file '${blob}' was deleted after the run took its snapshot; the run cannot train it.`
                : `Data file '${blob}' changed after the run took its snapshot; the next run trains the new version.`,
            deleted
                ? 'The file was deleted between the snapshot and the merge; upload it again to train it.'
                : 'The file was replaced between the snapshot and the merge; its new version is judged by a later run.',
        );
        this.name = 'DataChangedError';
    }
}

/** A file of the run's manifest, as the snapshot judged it. */
export interface CanonicalInput {
    name: string;
    etag: string;
    /** The snapshot's content hash: the merge re-computes it and refuses a file whose bytes differ. */
    contentHash?: string;
}

/**
 * Writes the one canonical CSV BES receives: the target's columns in its order under a plain
 * header, then the clean rows of every file (columns matched by name, blank rows skipped), also for
 * a single file. Each file is read at exactly the ETag the snapshot judged, through the same
 * validate-and-hash pass, so the rows written are the rows the run key stands for. Streamed blob to
 * blob: memory is one record, whatever the data size.
 * Throws DataRefusedError (HeaderMismatchError, DataChangedError) when the data cannot be merged.
 */
export async function writeCanonicalCsv(
    source: ContainerClient,
    files: readonly CanonicalInput[],
    schema: IntakeSchema,
    target: ContainerClient,
    into: string,
): Promise<{ rows: number; blankRows: number }> {
    const out = new PassThrough();
    const upload = target.getBlockBlobClient(into).uploadStream(out, 4 * 1024 * 1024, 4, {
        blobHTTPHeaders: { blobContentType: 'text/csv' },
    });
    let rows = 0;
    let blankRows = 0;
    try {
        for (const [i, file] of files.entries()) {
            let body: Readable;
            try {
                const res = await source.getBlobClient(file.name).download(0, undefined, {
                    conditions: { ifMatch: quotedEtag(file.etag) },
                    maxRetryRequests: 5,
                });
                body = res.readableStreamBody as Readable;
            } catch (err) {
                if (err instanceof RestError && (err.statusCode === 412 || err.statusCode === 404)) {
                    // A conditional read of a missing blob may answer 412 (Azurite does), not 404: ask.
                    const gone =
                        err.statusCode === 404 ||
                        !(await source
                            .getBlobClient(file.name)
                            .exists()
                            .catch(() => true));
                    throw new DataChangedError(file.name, gone);
                }
                throw err;
            }
            let first = true;
            const judged = await judgeCsv(body, schema, {
                stopAtFirstProblem: true,
                sink: async (line) => {
                    // Every file's pass starts with the canonical header; the CSV has it once.
                    if (first) {
                        first = false;
                        if (i > 0) return;
                    }
                    if (!out.write(`${line}\n`)) await new Promise((ok) => out.once('drain', ok));
                },
            });
            if (!judged.accepted) {
                const p = judged.problems[0];
                if (p && p.column === undefined && /^the header /.test(p.message)) {
                    throw new HeaderMismatchError(file.name, p.message);
                }
                throw new DataRefusedError(
                    `Data file '${file.name}' cannot train: ${p ? describeProblem(p) : 'unreadable'}.`,
                );
            }
            if (file.contentHash && judged.contentHash !== file.contentHash) throw new DataChangedError(file.name);
            rows += judged.rows;
            blankRows += judged.blankRows;
        }
        out.end();
    } catch (err) {
        out.destroy(err as Error);
        await upload.catch(() => undefined);
        throw err;
    }
    await upload;
    return { rows, blankRows };
}
