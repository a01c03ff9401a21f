/**
 * Canonical metric keys and the Evaluate Model header spellings they come from. Headers are
 * matched case- and punctuation-insensitively ("F-Score", "f score", "FScore" are one metric),
 * because the exact headers a BES evaluation output writes are not published.
 */
export type Direction = 'higherIsBetter' | 'lowerIsBetter';

interface MetricInfo {
    aliases: string[];
    direction: Direction;
}

export const BINARY_METRICS = {
    truePositives: { aliases: ['truepositive', 'truepositives', 'tp'], direction: 'higherIsBetter' },
    falseNegatives: { aliases: ['falsenegative', 'falsenegatives', 'fn'], direction: 'lowerIsBetter' },
    falsePositives: { aliases: ['falsepositive', 'falsepositives', 'fp'], direction: 'lowerIsBetter' },
    trueNegatives: { aliases: ['truenegative', 'truenegatives', 'tn'], direction: 'higherIsBetter' },
    accuracy: { aliases: ['accuracy'], direction: 'higherIsBetter' },
    precision: { aliases: ['precision'], direction: 'higherIsBetter' },
    recall: { aliases: ['recall'], direction: 'higherIsBetter' },
    fScore: { aliases: ['fscore', 'f1score', 'f1', 'fmeasure'], direction: 'higherIsBetter' },
    auc: { aliases: ['auc', 'areaundercurve', 'rocauc'], direction: 'higherIsBetter' },
    averageLogLoss: { aliases: ['averagelogloss', 'logloss'], direction: 'lowerIsBetter' },
    trainingLogLoss: { aliases: ['traininglogloss'], direction: 'lowerIsBetter' },
} as const satisfies Record<string, MetricInfo>;

export const REGRESSION_METRICS = {
    meanAbsoluteError: { aliases: ['meanabsoluteerror', 'mae'], direction: 'lowerIsBetter' },
    rootMeanSquaredError: { aliases: ['rootmeansquarederror', 'rmse'], direction: 'lowerIsBetter' },
    relativeAbsoluteError: { aliases: ['relativeabsoluteerror', 'rae'], direction: 'lowerIsBetter' },
    relativeSquaredError: { aliases: ['relativesquarederror', 'rse'], direction: 'lowerIsBetter' },
    coefficientOfDetermination: {
        aliases: ['coefficientofdetermination', 'r2', 'rsquared'],
        direction: 'higherIsBetter',
    },
    negativeLogLikelihood: { aliases: ['negativeloglikelihood'], direction: 'lowerIsBetter' },
} as const satisfies Record<string, MetricInfo>;

export type BinaryMetricName = keyof typeof BINARY_METRICS;
export type RegressionMetricName = keyof typeof REGRESSION_METRICS;

const ALL: Record<string, MetricInfo> = { ...BINARY_METRICS, ...REGRESSION_METRICS };

export function normaliseHeader(name: string): string {
    return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const BY_ALIAS = new Map<string, string>();
for (const [key, info] of Object.entries(ALL)) {
    BY_ALIAS.set(normaliseHeader(key), key);
    for (const a of info.aliases) BY_ALIAS.set(a, key);
}

/** The canonical key for a header or config name; unknown names come back normalised. */
export function canonicalMetricName(name: string): string {
    const n = normaliseHeader(name);
    return BY_ALIAS.get(n) ?? n;
}

/** The known direction of a metric, if it is one we know. */
export function defaultDirection(name: string): Direction | undefined {
    return ALL[canonicalMetricName(name)]?.direction;
}

/**
 * The Evaluate Model spellings of the canonical keys above: how a metric the target's config does
 * not name is shown to people (the CLI, the status page), instead of its camelCase key.
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

/** The part of a target's gate config that names metrics (`TargetConfig['gate']`). */
export interface GateMetricNames {
    thresholds: readonly { metric: string }[];
    improvement?: readonly { metric: string }[];
}

/**
 * Each gate metric's canonical key (its key in run records) -> the name the target's config gives
 * it, e.g. `{ auc: 'AUC' }` for a threshold on `"AUC"`. Thresholds before improvement rules; when
 * two spellings name one metric, the first wins. `GET /api/targets` answers this as `metricNames`.
 */
export function configuredMetricNames(gate: GateMetricNames): Record<string, string> {
    const names: Record<string, string> = {};
    for (const g of [...gate.thresholds, ...(gate.improvement ?? [])])
        names[canonicalMetricName(g.metric)] ??= g.metric;
    return names;
}

/**
 * A metric's name for people: as the target's config spells it (`configured`, from
 * {@link configuredMetricNames}), else its Evaluate Model spelling, else the key itself.
 */
export function metricLabel(key: string, configured: Readonly<Record<string, string>> = {}): string {
    return configured[key] ?? METRIC_LABELS[key] ?? key;
}

/** {@link metricLabel} of each of `keys`, as one key -> name map (for a client that has no copy of the rules). */
export function metricLabels(
    keys: Iterable<string>,
    configured: Readonly<Record<string, string>>,
): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const k of keys) labels[k] = metricLabel(k, configured);
    return labels;
}
