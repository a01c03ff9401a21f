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
