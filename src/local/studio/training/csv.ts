import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

import { TrainingError } from './types';

export interface CsvRow {
    /** 1-based line number where the row starts. */
    line: number;
    fields: string[];
}

export interface CsvOptions {
    /** Longest row accepted; keeps memory bounded on a file with a runaway quote. */
    maxRowChars?: number;
    abortSignal?: AbortSignal;
}

const enum State {
    FieldStart,
    Unquoted,
    Quoted,
    /** Saw `"` inside a quoted field: an escaped quote if another follows, else the field's end. */
    QuoteInQuoted,
    /** Closed a quoted field: only a separator or a line end may follow. */
    AfterQuoted,
}

/**
 * RFC 4180 rows from a byte stream, one chunk at a time: quoted fields, doubled quotes, CRLF or
 * LF, a UTF-8 BOM, and chunk boundaries anywhere (multi-byte characters included): the parser is a
 * character state machine, so no decision waits on the next chunk. Memory is one row, never the
 * file. Blank lines are skipped.
 */
export async function* readCsv(
    input: Readable | AsyncIterable<Buffer | string>,
    options: CsvOptions = {},
): AsyncGenerator<CsvRow> {
    for await (const batch of readCsvBatches(input, options)) yield* batch;
}

/**
 * The rows completed by each input chunk, as one array: a consumer pays one await per chunk
 * rather than per row, which is most of the cost on narrow files of millions of rows.
 */
export async function* readCsvBatches(
    input: Readable | AsyncIterable<Buffer | string>,
    options: CsvOptions = {},
): AsyncGenerator<CsvRow[]> {
    const maxRowChars = options.maxRowChars ?? 1_048_576;
    const decoder = new StringDecoder('utf8');
    let state = State.FieldStart;
    let fields: string[] = [];
    let field = '';
    let skipLF = false;
    let rowChars = 0;
    let line = 1;
    let rowLine = 1;
    let first = true;

    const endRow = (): CsvRow | undefined => {
        fields.push(field);
        const row = fields;
        fields = [];
        field = '';
        rowChars = 0;
        state = State.FieldStart;
        const start = rowLine;
        rowLine = line + 1;
        return row.length === 1 && row[0] === '' ? undefined : { line: start, fields: row };
    };
    const fail = (what: string): never => {
        throw new TrainingError('InputParseError', `Line ${rowLine}: ${what}`);
    };

    for await (const raw of input) {
        const chunk = raw as Buffer | string;
        if (options.abortSignal?.aborted) throw new TrainingError('Cancelled', 'The job was cancelled.');
        let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (first && text.length > 0) {
            if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
            first = false;
        }
        const batch: CsvRow[] = [];
        for (let i = 0; i < text.length; i++) {
            const c = text[i];
            if (skipLF) {
                skipLF = false;
                if (c === '\n') continue;
            }
            if (++rowChars > maxRowChars) fail(`row longer than ${maxRowChars} characters (unbalanced quote?).`);
            if (state === State.QuoteInQuoted) {
                if (c === '"') {
                    field += '"';
                    state = State.Quoted;
                    continue;
                }
                state = State.AfterQuoted;
            }
            if (state === State.Quoted) {
                if (c === '"') {
                    state = State.QuoteInQuoted;
                    continue;
                }
                // Take the run up to the next quote in one slice.
                let end = text.indexOf('"', i);
                if (end < 0) end = text.length;
                rowChars += end - i - 1;
                if (rowChars > maxRowChars) fail(`row longer than ${maxRowChars} characters (unbalanced quote?).`);
                for (let nl = text.indexOf('\n', i); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) line++;
                field += text.slice(i, end);
                i = end - 1;
                continue;
            }
            if (c === ',') {
                fields.push(field);
                field = '';
                state = State.FieldStart;
            } else if (c === '\n' || c === '\r') {
                skipLF = c === '\r';
                const row = endRow();
                line++;
                if (row) batch.push(row);
            } else if (state === State.AfterQuoted) {
                fail('unexpected character after a closing quote.');
            } else if (c === '"' && state === State.FieldStart) {
                state = State.Quoted;
            } else {
                // An unquoted run ends at a separator or a line end; take it in one slice.
                let end = i + 1;
                while (end < text.length) {
                    const d = text.charCodeAt(end);
                    if (d === 44 || d === 10 || d === 13) break;
                    end++;
                }
                rowChars += end - i - 1;
                if (rowChars > maxRowChars) fail(`row longer than ${maxRowChars} characters (unbalanced quote?).`);
                field += text.slice(i, end);
                state = State.Unquoted;
                i = end - 1;
            }
        }
        if (batch.length > 0) yield batch;
    }
    field += decoder.end();
    if (state === State.Quoted) fail('quoted field is not closed at end of file.');
    const last = endRow();
    if (last) yield [last];
}
