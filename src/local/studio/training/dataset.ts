import type { Readable } from 'node:stream';

import { CsvOptions, readCsv } from './csv';
import { ExperimentDefinition, OpenInput, TrainingError } from './types';

/** One parsed example: the features in experiment order, and the raw label text. */
export interface Example {
    index: number;
    line: number;
    features: Float64Array;
    label: string;
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
    const t = text.trim();
    const value = t === '' ? NaN : Number(t);
    if (!Number.isFinite(value)) {
        throw new TrainingError(
            'InputParseError',
            `${unit} ${line}, column '${column}': '${t.length > 40 ? `${t.slice(0, 40)}…` : t}' is not a number.`,
        );
    }
    return value;
}

/**
 * Streams the examples of one pass over the input. Every pass re-opens the input, so memory stays
 * one row whatever the file size.
 */
export async function* readExamples(
    open: OpenInput,
    experiment: ExperimentDefinition,
    options: CsvOptions = {},
): AsyncGenerator<Example, void, undefined> {
    const stream: Readable = await open();
    let columns: Columns | undefined;
    let index = 0;
    try {
        for await (const row of readCsv(stream, options)) {
            if (!columns) {
                columns = resolveColumns(row.fields, experiment);
                continue;
            }
            if (row.fields.length !== columns.header.length) {
                throw new TrainingError(
                    'InputParseError',
                    `Line ${row.line}: expected ${columns.header.length} fields like the header, found ${row.fields.length}.`,
                );
            }
            const features = new Float64Array(columns.featureIndexes.length);
            columns.featureIndexes.forEach((col, j) => {
                features[j] = parseNumber(row.fields[col], row.line, columns!.header[col]);
            });
            yield { index: index++, line: row.line, features, label: row.fields[columns.labelIndex].trim() };
        }
    } finally {
        stream.destroy();
    }
    if (!columns) throw new TrainingError('EmptyInput', 'The input is empty: no header row and no data.');
}
