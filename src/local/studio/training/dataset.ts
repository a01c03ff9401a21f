import type { Readable } from 'node:stream';

import { CsvOptions, readCsvBatches } from './csv';
import { ExperimentDefinition, OpenInput, TrainingError } from './types';

/** One parsed example: the features in experiment order, and the raw label text. */
export interface Example {
    index: number;
    line: number;
    features: Float64Array;
    label: string;
    /** The label as a number, when a cached pass already has it (regression). */
    value?: number;
}

export interface Columns {
    header: string[];
    featureIndexes: number[];
    labelIndex: number;
}

/** Finds the experiment's columns in a header (exact name first, then case-insensitive). */
export function resolveColumns(header: string[], experiment: ExperimentDefinition, requireLabel = true): Columns {
    const trimmed = header.map((h) => h.trim());
    const find = (name: string): number => {
        const exact = trimmed.indexOf(name);
        if (exact >= 0) return exact;
        const lower = name.toLowerCase();
        return trimmed.findIndex((h) => h.toLowerCase() === lower);
    };
    const wanted = requireLabel ? [experiment.labelColumn, ...experiment.featureColumns] : experiment.featureColumns;
    const missing = wanted.filter((name) => find(name) < 0);
    if (missing.length > 0) {
        const list = missing.map((m) => `'${m}'`).join(', ');
        throw new TrainingError(
            'MissingColumn',
            `Column${missing.length > 1 ? 's' : ''} ${list} not found in the input header; the header has: ${trimmed.join(', ')}.`,
        );
    }
    return {
        header: trimmed,
        featureIndexes: experiment.featureColumns.map(find),
        labelIndex: requireLabel ? find(experiment.labelColumn) : -1,
    };
}

/** Parses a numeric cell or names exactly where it is not a number. */
export function parseNumber(text: string, line: number, column: string, unit: 'Line' | 'Row' = 'Line'): number {
    // Number() ignores surrounding blanks but reads an all-blank cell as 0, which is a missing value.
    const value = Number(text);
    if (!Number.isFinite(value) || (value === 0 && text.trim() === '')) {
        const t = text.trim();
        throw new TrainingError(
            'InputParseError',
            `${unit} ${line}, column '${column}': '${t.length > 40 ? `${t.slice(0, 40)}…` : t}' is not a number.`,
        );
    }
    return value;
}

/**
 * Streams the examples of one pass over the input, a batch per input chunk. Every pass re-opens
 * the input, so memory stays one chunk whatever the file size.
 */
export async function* readExamples(
    open: OpenInput,
    experiment: ExperimentDefinition,
    options: CsvOptions = {},
): AsyncGenerator<Example[], void, undefined> {
    const stream: Readable = await open();
    let columns: Columns | undefined;
    let index = 0;
    try {
        for await (const rows of readCsvBatches(stream, options)) {
            const examples: Example[] = [];
            for (const row of rows) {
                if (!columns) {
                    columns = resolveColumns(row.fields, experiment);
                    continue;
                }
                examples.push(toExample(row.fields, row.line, index++, columns));
            }
            if (examples.length > 0) yield examples;
        }
    } finally {
        stream.destroy();
    }
    if (!columns) throw new TrainingError('EmptyInput', 'The input is empty: no header row and no data.');
}

function toExample(fields: string[], line: number, index: number, columns: Columns): Example {
    if (fields.length !== columns.header.length) {
        throw new TrainingError(
            'InputParseError',
            `Line ${line}: expected ${columns.header.length} fields like the header, found ${fields.length}.`,
        );
    }
    const features = new Float64Array(columns.featureIndexes.length);
    for (let j = 0; j < features.length; j++) {
        const col = columns.featureIndexes[j];
        features[j] = parseNumber(fields[col], line, columns.header[col]);
    }
    return { index, line, features, label: fields[columns.labelIndex].trim() };
}
