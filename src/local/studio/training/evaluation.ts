import { TrainingError } from './types';

export const BINARY_COLUMNS = [
    'True Positive',
    'False Negative',
    'False Positive',
    'True Negative',
    'Accuracy',
    'Precision',
    'Recall',
    'F-Score',
    'AUC',
    'Average Log Loss',
    'Training Log Loss',
] as const;

export const REGRESSION_COLUMNS = [
    'Mean Absolute Error',
    'Root Mean Squared Error',
    'Relative Absolute Error',
    'Relative Squared Error',
    'Coefficient of Determination',
] as const;

/** Evaluate Model style: one header row, one value row. */
export function evaluationCsv(columns: readonly string[], metrics: Record<string, number>): string {
    return `${columns.join(',')}\n${columns.map((c) => formatNumber(metrics[c] ?? NaN)).join(',')}\n`;
}

export function parseEvaluationCsv(text: string): Record<string, number> {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length < 2)
        throw new TrainingError('InvalidEvaluation', 'An evaluation needs a header row and a value row.');
    const names = lines[0].split(',').map((s) => s.trim());
    const values = lines[1].split(',').map((s) => Number(s.trim()));
    if (names.length !== values.length) {
        throw new TrainingError('InvalidEvaluation', 'The evaluation header and value rows differ in length.');
    }
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

function formatNumber(value: number): string {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}
