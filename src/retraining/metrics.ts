import { parseCsv } from './csv';
import {
    BINARY_METRICS,
    BinaryMetricName,
    canonicalMetricName,
    REGRESSION_METRICS,
    RegressionMetricName,
} from './metricNames';

export type BinaryClassificationMetrics = { kind: 'binaryClassification' } & Record<
    'accuracy' | 'precision' | 'recall' | 'fScore' | 'auc',
    number
> &
    Partial<Record<BinaryMetricName, number>> & { extra: Record<string, number> };

export type RegressionMetrics = { kind: 'regression' } & Record<
    'meanAbsoluteError' | 'rootMeanSquaredError' | 'coefficientOfDetermination',
    number
> &
    Partial<Record<RegressionMetricName, number>> & { extra: Record<string, number> };

export type EvaluationMetrics = BinaryClassificationMetrics | RegressionMetrics;

const REQUIRED_BINARY = ['accuracy', 'precision', 'recall', 'fScore', 'auc'] as const;
const REQUIRED_REGRESSION = ['meanAbsoluteError', 'rootMeanSquaredError', 'coefficientOfDetermination'] as const;

export class MetricsParseError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'MetricsParseError';
    }
}

/**
 * Reads an Evaluate Model output (header row + one value row) into typed metrics. The kind is
 * recognised from the headers; unknown numeric columns are kept in `extra`; a required metric
 * that is missing or not a number is an error naming it.
 */
export function parseEvaluationCsv(text: string): EvaluationMetrics {
    const rows = parseCsv(text);
    const [header, values] = rows;
    if (!header || !values) throw new MetricsParseError('evaluation output needs a header row and a value row');
    const known = new Map<string, { header: string; raw: string }>();
    const extra: Record<string, number> = {};
    header.forEach((h, i) => {
        const key = canonicalMetricName(h);
        const raw = (values[i] ?? '').trim();
        if (key in BINARY_METRICS || key in REGRESSION_METRICS) known.set(key, { header: h.trim(), raw });
        else if (raw !== '' && Number.isFinite(Number(raw))) extra[key] = Number(raw);
    });
    const isBinary = ['auc', 'accuracy', 'precision', 'recall'].some((k) => known.has(k));
    const isRegression = REQUIRED_REGRESSION.some((k) => known.has(k));
    if (!isBinary && !isRegression) {
        throw new MetricsParseError(`no known metric columns in evaluation header: ${header.join(', ')}`);
    }
    const required: readonly string[] = isBinary ? REQUIRED_BINARY : REQUIRED_REGRESSION;
    const table: Record<string, MetricInfoLike> = isBinary ? BINARY_METRICS : REGRESSION_METRICS;
    const problems: string[] = [];
    const out: Record<string, number> = {};
    for (const r of required) if (!known.has(r)) problems.push(`missing column for ${r}`);
    for (const [key, { header: h, raw }] of known) {
        const n = raw === '' ? NaN : Number(raw);
        if (!Number.isFinite(n)) {
            if (key in table) problems.push(`column '${h}' is not a number: '${raw}'`);
            continue;
        }
        if (key in table) out[key] = n;
        else extra[key] = n;
    }
    if (problems.length > 0) throw new MetricsParseError(`evaluation output: ${problems.join('; ')}`);
    return { kind: isBinary ? 'binaryClassification' : 'regression', ...out, extra } as EvaluationMetrics;
}

type MetricInfoLike = { direction: string };

/** Flat name -> value map (typed metrics and extras) for gates and run records. */
export function metricRecord(m: EvaluationMetrics): Record<string, number> {
    const out: Record<string, number> = { ...m.extra };
    for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = v;
    return out;
}
