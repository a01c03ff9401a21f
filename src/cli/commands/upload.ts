import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { blobNameError, listPrefix, matchesDataPattern } from '../../retraining/dataPattern';
import { intakeSchemaOf, judgeCsv, refusalReason } from '../../retraining/intake';
import { validateUpload } from '../../retraining/validateUpload';
import { appClient, blobService, CliError, CONNECTION_OPTIONS } from '../connection';
import { ProgressBar } from '../progress';
import type { TargetView } from '../retrainerClient';
import { describeRun, exitCodeOf, timeoutInMsOf, waitForRun } from '../wait';

const PROGRESS_FROM_BYTES = 1024 * 1024;

export const uploadUsage = `retrainer upload <file.csv> [--target T] [--name BLOB] [--wait] [--timeout-seconds N]
  Drops a training file where the target's blob trigger sees it. --wait follows the run it starts.`;

export async function upload(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            target: { type: 'string' },
            name: { type: 'string' },
            wait: { type: 'boolean', default: false },
            'timeout-seconds': { type: 'string', default: '900' },
        },
    });
    const file = positionals[0];
    if (!file || positionals.length > 1) throw new CliError(`usage: ${uploadUsage}`);
    const timeoutInMs = timeoutInMsOf(values['timeout-seconds']);
    const stats = await stat(file).catch((err: NodeJS.ErrnoException) => {
        // Say why: a missing file (a typo, another folder) and a forbidden one need different fixes;
        // the folder looked in is news only for a relative path.
        const where = path.isAbsolute(file) ? '' : ` in ${process.cwd()}`;
        const why = err.code === 'ENOENT' ? `no such file${where}` : (err.code ?? err.message);
        throw new CliError(`Cannot read '${file}': ${why}.`);
    });
    if (stats.isDirectory()) throw new CliError(`Cannot upload '${file}': it is a directory; name a .csv file in it.`);
    const size = stats.size;
    const client = appClient(values);
    const target = pickTarget(await client.listTargets(), file, values.target);
    const blobName = values.name ?? `${listPrefix(target.data.prefixPattern)}${path.basename(file)}`;
    // Before the pattern: `*` would take `churn-v2/../houses/x.csv`, which storage writes as `houses/x.csv`.
    const badName = blobNameError(blobName);
    if (badName) throw new CliError(`Not uploaded: ${badName}.`);
    if (!matchesDataPattern(target.data.prefixPattern, blobName)) {
        throw new CliError(
            `'${blobName}' does not match target '${target.name}''s data pattern '${target.data.prefixPattern}', ` +
                'so no retrain would see it: rename the file or pass --name.',
        );
    }
    const problem = await validateUpload(target, blobName, await head(file));
    if (problem) throw new CliError(`Not uploaded: ${problem}.`);
    await checkWhole(target, file);

    const blob = blobService(values).getContainerClient(target.data.container).getBlockBlobClient(blobName);
    const bar = size >= PROGRESS_FROM_BYTES ? new ProgressBar(size) : undefined;
    const result = await blob.uploadFile(file, {
        blobHTTPHeaders: { blobContentType: 'text/csv' },
        onProgress: (p) => bar?.update(p.loadedBytes),
    });
    bar?.update(size);
    console.log(
        `Uploaded ${file} (${size} bytes) to ${target.data.container}/${blobName} for target '${target.name}'.`,
    );
    if (!values.wait) return 0;
    const run = await waitForRun(
        client,
        target.name,
        (r) =>
            // A file the data policy left out (excluded, quarantined, outside the window) ends its wait too.
            [...(r.manifest?.blobs ?? []), ...(r.manifest?.rejected ?? []), ...(r.manifest?.leftOut ?? [])].some(
                (b) => b.name === blobName && sameEtag(b.etag, result.etag),
            ),
        {
            timeoutInMs,
            onStep: (step) => console.error(`  ... ${step}`),
        },
    );
    console.log(describeRun(run));
    return exitCodeOf(run);
}

/**
 * The app's validate-and-hash pass, run on the local file before any byte is sent: a file that
 * cannot train is refused here with its own line and column, instead of after the upload. Needs
 * the target's task from the app (older apps do not say it: then the app judges after the upload).
 */
async function checkWhole(target: TargetView, file: string): Promise<void> {
    const { task } = target.data;
    if (task === undefined) return;
    const schema = intakeSchemaOf({ ...target.data, task: task ?? undefined });
    const judged = await judgeCsv(createReadStream(file), schema);
    if (!judged.accepted) throw new CliError(`Not uploaded: ${refusalReason(path.basename(file), judged)}.`);
}

/** --target, else the one target whose name starts the file name (churn-2026-11.csv → churn). */
export function pickTarget(targets: TargetView[], file: string, wanted: string | undefined): TargetView {
    const names = targets.map((t) => t.name).join(', ');
    if (wanted) {
        const t = targets.find((x) => x.name === wanted);
        if (!t) throw new CliError(`Unknown target '${wanted}'; the app has: ${names}.`);
        return t;
    }
    const base = path.basename(file).toLowerCase();
    const matches = targets.filter((t) => new RegExp(`^${escape(t.name.toLowerCase())}([^a-z0-9]|$)`).test(base));
    if (matches.length === 1 && matches[0]) return matches[0];
    if (targets.length === 1 && targets[0]) return targets[0];
    throw new CliError(`Which target is '${path.basename(file)}' for? Pass --target (one of: ${names}).`);
}

/** Listings give ETags bare, upload responses quoted. */
function sameEtag(a: string | undefined, b: string | undefined): boolean {
    const bare = (e: string | undefined) => (e ?? '').replace(/^"|"$/g, '');
    return bare(a) !== '' && bare(a) === bare(b);
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function head(file: string): Promise<Buffer> {
    const handle = await open(file, 'r');
    try {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        return buffer.subarray(0, bytesRead);
    } finally {
        await handle.close();
    }
}
