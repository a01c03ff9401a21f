/** Plain-text tables and numbers for the terminal; no colours, so output pipes cleanly. */

export function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
            .join('  ')
            .trimEnd();
    return [line(header), ...rows.map(line)].join('\n');
}

export function metric(value: number | undefined): string {
    if (value === undefined || !Number.isFinite(value)) return '-';
    return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

/** The headline metric of a run's metrics (canonical keys): AUC for classifiers, RMSE for regressors. */
export function headline(metrics: Record<string, number> | undefined): string {
    if (!metrics) return '-';
    if ('auc' in metrics) return `AUC ${metric(metrics.auc)}`;
    if ('rootMeanSquaredError' in metrics) return `RMSE ${metric(metrics.rootMeanSquaredError)}`;
    return '-';
}

/**
 * The Evaluate Model spellings of the canonical metric keys (src/retraining/metricNames.ts): what
 * a metric the config does not name is shown as, instead of its camelCase key.
 */
const METRIC_LABELS: Readonly<Record<string, string>> = {
    truePositives: 'True Positives',
    falseNegatives: 'False Negatives',
    falsePositives: 'False Positives',
    trueNegatives: 'True Negatives',
    accuracy: 'Accuracy',
    precision: 'Precision',
    recall: 'Recall',
    fScore: 'F-Score',
    auc: 'AUC',
    averageLogLoss: 'Average Log Loss',
    trainingLogLoss: 'Training Log Loss',
    meanAbsoluteError: 'Mean Absolute Error',
    rootMeanSquaredError: 'Root Mean Squared Error',
    relativeAbsoluteError: 'Relative Absolute Error',
    relativeSquaredError: 'Relative Squared Error',
    coefficientOfDetermination: 'Coefficient of Determination',
    negativeLogLikelihood: 'Negative Log Likelihood',
};

/**
 * A metric's name for people: as the target's config spells it (`configured`, canonical key ->
 * the gate's name, e.g. `auc` -> `AUC`), else its Evaluate Model spelling, else the key itself.
 */
export function metricLabel(key: string, configured: Record<string, string> = {}): string {
    return configured[key] ?? METRIC_LABELS[key] ?? key;
}

export function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
