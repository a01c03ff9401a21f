import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Azurite's blob port on a first start when `--blob-port` is not given (its own default). */
export const DEFAULT_BLOB_PORT = 10000;

/** The file in a stack's data folder that keeps the blob port its storage was first served on. */
export const BLOB_PORT_FILE = 'blob-port';

/**
 * The blob port this stack's data was first served on, or undefined for a new folder (or one made
 * before the port was kept).
 */
export function recordedBlobPort(dataDir: string): number | undefined {
    const file = path.join(dataDir, BLOB_PORT_FILE);
    if (!existsSync(file)) return undefined;
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 && n <= 65533 ? n : undefined;
}

/** Keeps `port` as the folder's blob port, unless one is kept already. */
export function recordBlobPort(dataDir: string, port: number): void {
    if (recordedBlobPort(dataDir) === undefined) writeFileSync(path.join(dataDir, BLOB_PORT_FILE), `${port}\n`);
}

/**
 * The blob port a start uses: a folder's storage stays on the port it was first served on, because
 * run records, merged job inputs and the models the studio's endpoints serve name blobs by full URL,
 * port included (as Azure's are by the account's fixed URL); on another port a rollback, a
 * resumed run or a promotion would fail to read them. So with a kept port, no `--blob-port` (or 0)
 * means that port, and any other port is refused; a new folder takes `asked`, else 10000.
 * @returns the port, or the problem in one line (naming both ports and the way out)
 */
export function chooseBlobPort(
    asked: number | undefined,
    kept: number | undefined,
    dataDir: string,
): { port: number } | { problem: string } {
    if (kept === undefined) return { port: asked ?? DEFAULT_BLOB_PORT };
    if (asked === undefined || asked === 0 || asked === kept) return { port: kept };
    return {
        problem:
            `The stack in ${dataDir} keeps its storage on blob port ${kept}: its run records and deployed models name ` +
            `blobs by URL with that port, so on port ${asked} rollbacks and resumed runs would fail. Start without ` +
            `--blob-port (or with --blob-port ${kept}), free port ${kept}, or give this stack its own folder with --data DIR.`,
    };
}
