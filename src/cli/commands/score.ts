import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { parseCsvLines } from '../../retraining/csv';
import { appClient, CliError, CONNECTION_OPTIONS, UsageError } from '../connection';
import { RetrainerApiError } from '../retrainerClient';
import { table } from '../format';
import { asOwnRequest } from '../ownRequest';

export const scoreUsage = `retrainer score <target> <file.csv> [--rows N] [--json]
  Scores the first N rows (default 10, at most 1000) of a CSV with the model the target serves now.`;

const READ_BYTES = 4 * 1024 * 1024;

export async function score(argv: string[]): Promise<void> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            rows: { type: 'string', default: '10' },
            json: { type: 'boolean', default: false },
        },
    });
    const [target, file] = positionals;
    const count = Number(values.rows);
    if (!target || !file || positionals.length > 2) throw new CliError(`usage: ${scoreUsage}`);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
        throw new UsageError(`--rows must be a whole number from 1 to 1000, not '${values.rows}'.`);
    const client = appClient(values);
    const own = `POST /score/${target}`;
    const { featureColumns } = (await asOwnRequest(client, own, target, () => client.getTarget(target))).data;
    const [head, ...records] = parseCsvLines(await headText(file));
    if (!head) throw new CliError(`'${file}' is empty.`);
    const header = head.cells;
    const names = header.map((h) => h.trim().toLowerCase());
    const picks = featureColumns.map((c) => names.indexOf(c.toLowerCase()));
    const missing = featureColumns.filter((_, i) => picks[i] === -1);
    if (missing.length > 0) throw new CliError(`'${file}' lacks the feature column(s) ${missing.join(', ')}.`);
    const sent = records.slice(0, count);
    const rows = sent.map((r) => picks.map((i) => r.cells[i] ?? ''));
    const scored = await asOwnRequest(client, own, target, () => client.score(target, featureColumns, rows)).catch(
        (err: unknown) => {
            throw err instanceof RetrainerApiError
                ? inFileLines(
                      err,
                      sent.map((r) => r.line),
                  )
                : err;
        },
    );
    if (values.json) {
        console.log(JSON.stringify(scored, null, 2));
        return;
    }
    const champion = scored.champion ? `champion run ${scored.champion.runId}` : 'no champion recorded yet';
    console.log(`Scored ${scored.rows.length} row(s) with '${target}' (${champion}):`);
    console.log(table(scored.columnNames, scored.rows));
}

/**
 * The scoring service numbers the rows of its request from 1 (`Row 4, column 'x': …`, as the
 * studio emulator's RRS says it); the user knows the file, so say the file's line (header = line 1,
 * blank lines counted), as intake does for the same cell.
 */
function inFileLines(err: RetrainerApiError, lines: number[]): RetrainerApiError {
    const restate = (text: string) =>
        text.replace(/\bRow (\d+)\b/g, (whole, n: string) => {
            const line = lines[Number(n) - 1];
            return line === undefined ? whole : `Line ${line}`;
        });
    const message = restate(err.message);
    if (message === err.message) return err;
    return new RetrainerApiError(
        message,
        err.statusCode,
        err.code,
        err.requestId,
        err.detail === undefined ? undefined : restate(err.detail),
        err.hint,
    );
}

/** Only the start of the file: a spot check should not read a multi-gigabyte training file. */
async function headText(file: string): Promise<string> {
    const handle = await open(file, 'r').catch(() => {
        throw new CliError(`Cannot read '${file}'.`);
    });
    try {
        const buffer = Buffer.alloc(READ_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, 0);
        const text = buffer.subarray(0, bytesRead).toString('utf8');
        // A cut-off last line would score a half row.
        return bytesRead === READ_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
    } finally {
        await handle.close();
    }
}
