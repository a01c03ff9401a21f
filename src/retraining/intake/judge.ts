import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import { canonicalHeader, canonicalLine, DialectParseError, isBlankRecord, matchHeader, readRecords } from '../dialect';
import type { IntakeSchema } from './schema';

/** Where a file cannot train: the file's own line (header = 1), the column when one is to blame. */
export interface FileProblem {
    line: number;
    column?: string;
    message: string;
}

/** What one streamed pass over a file's bytes found, independent of where the bytes live. */
export interface JudgedContent {
    accepted: boolean;
    /**
     * Accepted only: sha256 (hex) of the canonical CSV the file contributes (canonical header, then
     * one `\n`-terminated canonical line per data row). Equal for files that train identically,
     * whatever their header spelling, column order, line ends, BOM, quoting or blank rows.
     */
    contentHash?: string;
    /** Data rows read (blank rows not counted). */
    rows: number;
    /** Blank and delimiter-only rows skipped. */
    blankRows: number;
    /** Header names the target does not use (ignored), as the file spells them. */
    extraColumns: string[];
    /** Refused only: the first problems found, in line order (at most `maxProblems`). */
    problems: FileProblem[];
    /** Refused only: how many problems there were in all. */
    problemCount: number;
}

export interface JudgeOptions {
    /** Receives each canonical line (header first) without its `\n`; awaited, so it can apply backpressure. */
    sink?: (line: string) => void | Promise<void>;
    /** Stop at the first problem (the merge does: a refused file must not be half-written). */
    stopAtFirstProblem?: boolean;
    /** Problems kept for the report (default 20); all are counted. */
    maxProblems?: number;
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The validate-and-hash pass: reads a CSV byte stream once, whole, in the dialect, and says
 * whether it can train the target (every numeric cell a finite decimal number, every label one the
 * task can use, every row as wide as the header at most), with its content hash, row and blank-row
 * counts and ignored columns. Memory is one record. With a sink, it also writes the file's part of
 * the canonical CSV: the merge is this same pass, so it cannot disagree with it.
 * Throws only what the input stream throws (a storage error); bad content is a refusal, not an error.
 */
export async function judgeCsv(
    input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
    schema: IntakeSchema,
    options: JudgeOptions = {},
): Promise<JudgedContent> {
    const maxProblems = options.maxProblems ?? 20;
    const hash = createHash('sha256');
    const out: JudgedContent = {
        accepted: false,
        rows: 0,
        blankRows: 0,
        extraColumns: [],
        problems: [],
        problemCount: 0,
    };
    const problem = (p: FileProblem): void => {
        out.problemCount++;
        if (out.problems.length < maxProblems) out.problems.push(p);
    };
    const emit = async (line: string): Promise<void> => {
        hash.update(line);
        hash.update('\n');
        if (options.sink) await options.sink(line);
    };
    let indexes: number[] | undefined;
    let width = 0;
    let headerLine = 0;
    try {
        outer: for await (const batch of readRecords(refuseBinary(input))) {
            for (const record of batch) {
                if (isBlankRecord(record.fields)) {
                    // Blank lines before the header are not rows; after it they are skipped and counted.
                    if (indexes) out.blankRows++;
                    continue;
                }
                if (!indexes) {
                    const match = matchHeader(record.fields, schema.columns);
                    if (!match.ok) {
                        problem({ line: record.line, message: `the header ${match.message}` });
                        break outer;
                    }
                    indexes = match.indexes;
                    width = match.width;
                    headerLine = record.line;
                    out.extraColumns = match.extraColumns;
                    await emit(canonicalHeader(schema.columns));
                    continue;
                }
                const values = rowProblems(record.fields, record.line, indexes, width, schema, problem);
                if (values) {
                    out.rows++;
                    if (out.problemCount === 0) await emit(canonicalLine(values));
                } else if (options.stopAtFirstProblem) break outer;
            }
        }
    } catch (err) {
        if (!(err instanceof DialectParseError)) throw err;
        problem({ line: err.line, message: err.what });
    }
    if (!indexes && out.problemCount === 0) problem({ line: 1, message: 'the file has no header row' });
    else if (indexes && out.rows === 0 && out.problemCount === 0) {
        problem({ line: headerLine, message: 'the file has a header but no data rows' });
    }
    out.accepted = out.problemCount === 0;
    if (out.accepted) out.contentHash = hash.digest('hex');
    return out;
}

/** The row's canonical values, or undefined after reporting each problem it has. */
function rowProblems(
    fields: readonly string[],
    line: number,
    indexes: readonly number[],
    width: number,
    schema: IntakeSchema,
    problem: (p: FileProblem) => void,
): string[] | undefined {
    let ok = true;
    if (fields.length > width) {
        problem({ line, message: `${fields.length} fields, but the header has ${width}` });
        return undefined;
    }
    const values: string[] = [];
    for (let c = 0; c < indexes.length; c++) {
        const column = schema.columns.names[c];
        const raw = fields[indexes[c]];
        const value = raw === undefined ? undefined : raw.trim();
        const why = valueProblem(value, schema.checks[c], schema.classes);
        if (why) {
            problem({ line, column, message: why });
            ok = false;
        } else values.push(value ?? '');
    }
    return ok ? values : undefined;
}

function valueProblem(
    value: string | undefined,
    check: IntakeSchema['checks'][number],
    classes: readonly string[] | undefined,
): string | undefined {
    if (value === undefined) return 'no value (the row is shorter than the header)';
    switch (check) {
        case 'text':
            return undefined;
        case 'class':
            if (value === '') return 'empty label';
            if (classes && !classes.includes(value)) {
                return `label ${show(value)} is not one of the classes ${classes.map(show).join(', ')}`;
            }
            return undefined;
        case 'numeric':
        case 'label-number':
            if (value === '') return check === 'numeric' ? 'empty value' : 'empty label';
            if (!DECIMAL.test(value) || !Number.isFinite(Number(value))) return `${show(value)} is not a number`;
            return undefined;
    }
}

/**
 * Passes the bytes through, failing at the first NUL byte: a spreadsheet's binary format or a
 * compressed file is not CSV, and csv-parse would read it as odd text. The line counts LFs only.
 */
async function* refuseBinary(
    input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<Buffer | string> {
    let line = 1;
    try {
        for await (const chunk of input) {
            const bytes = chunk as Buffer | string;
            if (typeof bytes !== 'string') {
                const nul = bytes.indexOf(0);
                if (nul >= 0) {
                    for (let i = bytes.indexOf(10); i >= 0 && i < nul; i = bytes.indexOf(10, i + 1)) line++;
                    throw new DialectParseError(line, 'the file is binary, not CSV text (it holds NUL bytes)');
                }
                for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) line++;
            }
            yield bytes;
        }
    } finally {
        if (typeof (input as Readable).destroy === 'function') (input as Readable).destroy();
    }
}

function show(value: string): string {
    return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
}

/**
 * One line for people naming the file, and where and why it cannot train, e.g.
 * `'churn/x.csv' cannot train: line 5, column 'monthly_charges': empty value; line 9, ...`.
 */
export function refusalReason(name: string, judged: Pick<JudgedContent, 'problems' | 'problemCount'>): string {
    const shown = judged.problems.slice(0, 3).map(describeProblem);
    const more = judged.problemCount - shown.length;
    return `'${name}' cannot train: ${shown.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}`;
}

export function describeProblem(p: FileProblem): string {
    return `line ${p.line}${p.column !== undefined ? `, column '${p.column}'` : ''}: ${p.message}`;
}
