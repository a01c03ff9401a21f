import type { Readable } from 'node:stream';

import { CsvError, Options, parse } from 'csv-parse';

/** One record of a file, with the file's own line numbers (header = line 1). */
export interface CsvRecord {
    fields: string[];
    /** 1-based line of the file where the record starts. */
    line: number;
}

/** The file is not CSV in the dialect (an unclosed quote, a stray quote in a field, ...), at `line`. */
export class DialectParseError extends Error {
    constructor(
        readonly line: number,
        readonly what: string,
    ) {
        super(`line ${line}: ${what}`);
        this.name = 'DialectParseError';
    }
}

/**
 * The parser settings of the dialect, in one place. Line ends are listed rather than discovered:
 * csv-parse's discovery fixes the first one it meets for the whole file, and spreadsheet exports
 * mix them. Empty lines come through as records so that line numbers stay the file's own.
 */
const OPTIONS: Options = {
    bom: true,
    delimiter: ',',
    quote: '"',
    escape: '"',
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    skip_empty_lines: false,
    trim: true,
    // Bounds memory on a runaway quote: no legitimate training row is 1 MB wide.
    max_record_size: 1_048_576,
};

/** A record holding nothing but blanks and separators (`,,,,`, an empty line): skipped and counted. */
export function isBlankRecord(fields: readonly string[]): boolean {
    return fields.every((f) => f.trim() === '');
}

/**
 * Every record of a CSV byte stream, in batches (one per parser read, so a consumer awaits per
 * batch rather than per record), with each record's first line. Throws DialectParseError naming
 * the line where the file stops being CSV. Chunk boundaries may fall anywhere, inside a multi-byte
 * character or between CR and LF.
 */
export async function* readRecords(
    input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
    options: { toLine?: number } = {},
): AsyncGenerator<CsvRecord[], void, undefined> {
    const parser = parse({ ...OPTIONS, ...(options.toLine ? { to_line: options.toLine } : {}) });
    const feed = (async () => {
        try {
            for await (const chunk of input) {
                if (parser.destroyed) return;
                if (!parser.write(chunk)) await drainedOrClosed(parser);
            }
            parser.end();
        } catch (err) {
            parser.destroy(err as Error);
        }
    })();
    // Lines are counted here, not by csv-parse's `info` (which halves its speed and counts a CRLF
    // inside quotes twice): empty lines are records too, so a record starts one line after the
    // previous one ended, and only quoted fields can hold further line ends.
    let nextLine = 1;
    let ended = false;
    parser.once('end', () => (ended = true));
    try {
        for (;;) {
            // Everything parsed so far, in one batch: one await per input chunk, not per record.
            const batch: CsvRecord[] = [];
            for (
                let record = parser.read() as string[] | null;
                record !== null;
                record = parser.read() as string[] | null
            ) {
                batch.push({ fields: record, line: nextLine });
                nextLine += 1 + lineEndsIn(record);
            }
            if (batch.length > 0) {
                yield batch;
                continue;
            }
            if (parser.errored) throw parser.errored;
            if (ended || parser.destroyed) break;
            await readableOrDone(parser);
        }
    } catch (err) {
        if (err instanceof CsvError) {
            // The failing record starts at nextLine (csv-parse's own count is off after a quoted CRLF).
            const at = nextLine;
            throw new DialectParseError(at, describe(err));
        }
        throw err;
    } finally {
        if (!parser.destroyed) parser.destroy();
        if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
        await feed;
    }
}

/**
 * The first record of a file's first bytes (the blob trigger and the CLI read only 64 KB): its
 * fields, or undefined for a head with no complete header record.
 */
export async function readHeader(head: Buffer): Promise<string[] | undefined> {
    try {
        for await (const batch of readRecords([head])) {
            const first = batch.find((r) => !isBlankRecord(r.fields));
            if (first) return first.fields;
        }
    } catch (err) {
        // The head may end inside a later record; the header itself parsed only if it came first.
        if (!(err instanceof DialectParseError)) throw err;
    }
    return undefined;
}

/** Line ends inside a record's (quoted) fields, as an editor counts them: CRLF, CR or LF each one. */
function lineEndsIn(fields: readonly string[]): number {
    let n = 0;
    for (const f of fields) {
        if (f.indexOf('\n') < 0 && f.indexOf('\r') < 0) continue;
        for (let i = 0; i < f.length; i++) {
            const c = f.charCodeAt(i);
            if (c === 10 || (c === 13 && f.charCodeAt(i + 1) !== 10)) n++;
        }
    }
    return n;
}

/** Waits for parsed records, the end, or a failure of the parser. */
function readableOrDone(stream: NodeJS.ReadableStream & NodeJS.EventEmitter): Promise<void> {
    return new Promise((ok) => {
        const events = ['readable', 'end', 'error', 'close'];
        const done = (): void => {
            for (const e of events) stream.off(e, done);
            ok();
        };
        for (const e of events) stream.once(e, done);
    });
}

/** Waits for room in the parser, or for its end (a consumer that stops early destroys it). */
function drainedOrClosed(stream: NodeJS.WritableStream & NodeJS.EventEmitter): Promise<void> {
    return new Promise((ok) => {
        const done = (): void => {
            stream.off('drain', done);
            stream.off('close', done);
            ok();
        };
        stream.once('drain', done);
        stream.once('close', done);
    });
}

function describe(err: CsvError): string {
    switch (err.code) {
        case 'CSV_QUOTE_NOT_CLOSED':
            return 'a quoted field is not closed before the end of the file';
        case 'CSV_INVALID_CLOSING_QUOTE':
            return 'a character follows a closing quote (a quote inside a field must be doubled)';
        case 'INVALID_OPENING_QUOTE':
            return 'a quote appears inside an unquoted field (quote the whole field and double the inner quote)';
        case 'CSV_MAX_RECORD_SIZE':
            return 'a record is longer than 1 MB (an unclosed quote?)';
        default:
            return err.message.replace(/\s+/g, ' ');
    }
}
