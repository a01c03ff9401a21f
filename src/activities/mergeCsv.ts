import { PassThrough, Readable } from 'node:stream';

import type { ContainerClient } from '@azure/storage-blob';

export class HeaderMismatchError extends Error {
    constructor(blob: string, first: string) {
        super(`Data file '${blob}' has a different header from '${first}'; files of one target must share a header.`);
        this.name = 'HeaderMismatchError';
    }
}

/** Splits off the first line (the header) of a stream, returning it and the rest as a stream. */
async function splitHeader(stream: Readable): Promise<{ header: string; rest: Readable }> {
    let head = '';
    const rest = new PassThrough();
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
        const next = await iterator.next();
        if (next.done) return { header: head.replace(/\r?\n?$/, ''), rest: Readable.from([]) };
        const text = (head += next.value.toString('latin1'));
        const nl = text.indexOf('\n');
        if (nl >= 0) {
            rest.write(Buffer.from(text.slice(nl + 1), 'latin1'));
            void (async () => {
                for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
                    if (!rest.write(r.value)) await new Promise((ok) => rest.once('drain', ok));
                }
                rest.end();
            })().catch((err: unknown) => rest.destroy(err as Error));
            return {
                header: text
                    .slice(0, nl)
                    .replace(/\r$/, '')
                    .replace(/^\uFEFF|^\xEF\xBB\xBF/, ''),
                rest,
            };
        }
    }
}

/**
 * Concatenates a target's data files into one CSV (BES takes one input): the first file's header,
 * then every file's rows. Streamed blob to blob, so the size of the data never sits in memory.
 */
export async function mergeCsvBlobs(
    source: ContainerClient,
    names: string[],
    target: ContainerClient,
    into: string,
): Promise<void> {
    const out = new PassThrough();
    const upload = target.getBlockBlobClient(into).uploadStream(out, 4 * 1024 * 1024, 4, {
        blobHTTPHeaders: { blobContentType: 'text/csv' },
    });
    try {
        let firstHeader: string | undefined;
        for (const name of names) {
            const body = (await source.getBlobClient(name).download()).readableStreamBody as Readable;
            const { header, rest } = await splitHeader(body);
            if (firstHeader === undefined) {
                firstHeader = header;
                out.write(`${header}\n`);
            } else if (header.trim() !== firstHeader.trim()) {
                rest.destroy();
                throw new HeaderMismatchError(name, names[0]);
            }
            let last = 10;
            for await (const chunk of rest) {
                const b = chunk as Buffer;
                if (b.length > 0) last = b[b.length - 1]!;
                if (!out.write(b)) await new Promise((ok) => out.once('drain', ok));
            }
            if (last !== 10) out.write('\n');
        }
        out.end();
    } catch (err) {
        out.destroy(err as Error);
        await upload.catch(() => undefined);
        throw err;
    }
    await upload;
}
