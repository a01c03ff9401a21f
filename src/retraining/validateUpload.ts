import type { TargetConfig } from './config';
import { DialectParseError, isBlankRecord, matchHeader, readRecords, targetColumnsOf } from './dialect';

/**
 * Can this file be training data for the target, judging by its first bytes? The blob trigger and
 * the CLI run this check on the first 64 KB (`head`) when a file lands or before it is uploaded:
 * a `.csv` name, text, a header holding the target's columns in the dialect (any order, letter
 * case, blanks, quoting; extra columns allowed) and at least one data row. The whole file is
 * validated once later, streamed (see `../intake`). Returns the reason a file is refused, one line
 * naming it, or undefined.
 */
export async function validateUpload(
    target: { data: Pick<TargetConfig['data'], 'labelColumn' | 'featureColumns'> },
    blobName: string,
    head: Buffer,
): Promise<string | undefined> {
    if (!/\.csv$/i.test(blobName)) return `'${blobName}' is not a .csv file`;
    if (head.length === 0) return `'${blobName}' is empty`;
    if (head.includes(0)) return `'${blobName}' is binary, not CSV text`;
    let header: string[] | undefined;
    let hasRow = false;
    try {
        outer: for await (const batch of readRecords([head])) {
            for (const record of batch) {
                if (isBlankRecord(record.fields)) continue;
                if (header) {
                    hasRow = true;
                    break outer;
                }
                header = record.fields;
            }
        }
    } catch (err) {
        if (!(err instanceof DialectParseError)) throw err;
        // The head may end inside a quoted field of a later row: that row is data.
        if (header) hasRow = true;
        else return `'${blobName}' is not CSV: ${err.message}`;
    }
    if (!header) return `'${blobName}' has no header row`;
    const match = matchHeader(header, targetColumnsOf(target.data));
    if (!match.ok) return `'${blobName}' ${match.message}`;
    if (!hasRow) return `'${blobName}' has a header but no data rows`;
    return undefined;
}
