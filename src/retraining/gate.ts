import { canonicalMetricName, defaultDirection, Direction } from './metricNames';

export type { Direction } from './metricNames';

/** An absolute bar: higherIsBetter means value >= threshold, lowerIsBetter means value <= threshold. */
export interface GateThreshold {
    metric: string;
    threshold: number;
    /** Defaults to the metric's known direction; required for metrics we do not know. */
    direction?: Direction;
}

/**
 * A bar relative to the current champion. `minAbsolute` is in metric units, `minRelative` a
 * fraction of the champion's value; a negative value tolerates that much regression.
 */
export interface GateImprovement {
    metric: string;
    direction?: Direction;
    minAbsolute?: number;
    minRelative?: number;
}

export interface GateConfig {
    thresholds: GateThreshold[];
    improvement?: GateImprovement[];
}

export interface ChampionMetrics {
    runId: string;
    metrics: Record<string, number>;
}

export interface GateCheck {
    kind: 'threshold' | 'improvement';
    metric: string;
    passed: boolean;
    actual?: number;
    required?: number;
    reason: string;
}

export interface GateVerdict<C extends ChampionMetrics = ChampionMetrics> {
    passed: boolean;
    /** One line per check, failures first; recorded with the run. */
    reasons: string[];
    checks: GateCheck[];
    metrics: Record<string, number>;
    comparedTo: C | null;
}

/** Float noise from CSV round-trips must not flip a tie. */
const EPSILON = 1e-9;

function lookup(metrics: Record<string, number>, metric: string): number | undefined {
    const key = canonicalMetricName(metric);
    for (const [k, v] of Object.entries(metrics)) if (canonicalMetricName(k) === key) return v;
    return undefined;
}

function directionOf(metric: string, given: Direction | undefined): Direction {
    const d = given ?? defaultDirection(metric);
    if (!d) throw new RangeError(`gate metric '${metric}' has no known direction; set "direction"`);
    return d;
}

const fmt = (n: number): string => String(Number(n.toPrecision(6)));

function thresholdCheck(t: GateThreshold, metrics: Record<string, number>): GateCheck {
    const dir = directionOf(t.metric, t.direction);
    const actual = lookup(metrics, t.metric);
    if (actual === undefined || !Number.isFinite(actual)) {
        return { kind: 'threshold', metric: t.metric, passed: false, reason: `${t.metric} missing from evaluation` };
    }
    const passed = dir === 'higherIsBetter' ? actual >= t.threshold - EPSILON : actual <= t.threshold + EPSILON;
    const op = dir === 'higherIsBetter' ? '>=' : '<=';
    return {
        kind: 'threshold',
        metric: t.metric,
        passed,
        actual,
        required: t.threshold,
        reason: `${t.metric} ${fmt(actual)} ${passed ? 'meets' : 'fails'} ${op} ${fmt(t.threshold)}`,
    };
}

function improvementCheck(i: GateImprovement, metrics: Record<string, number>, champion: ChampionMetrics): GateCheck {
    const dir = directionOf(i.metric, i.direction);
    const actual = lookup(metrics, i.metric);
    if (actual === undefined || !Number.isFinite(actual)) {
        return { kind: 'improvement', metric: i.metric, passed: false, reason: `${i.metric} missing from evaluation` };
    }
    const base = lookup(champion.metrics, i.metric);
    if (base === undefined) {
        // A champion recorded before this metric was gated cannot block promotion forever.
        return {
            kind: 'improvement',
            metric: i.metric,
            passed: true,
            actual,
            reason: `${i.metric}: champion ${champion.runId} has no recorded value; improvement not checked`,
        };
    }
    const gain = dir === 'higherIsBetter' ? actual - base : base - actual;
    const required = Math.max(i.minAbsolute ?? -Infinity, (i.minRelative ?? -Infinity) * Math.abs(base));
    const need = Number.isFinite(required) ? required : 0;
    const passed = gain >= need - EPSILON;
    return {
        kind: 'improvement',
        metric: i.metric,
        passed,
        actual,
        required: need,
        reason: `${i.metric} ${fmt(actual)} vs champion ${champion.runId} ${fmt(base)}: improvement ${fmt(gain)} ${passed ? 'meets' : 'is below'} required ${fmt(need)}`,
    };
}

/**
 * Decides whether a newly trained model may replace the champion. Every check is run and
 * explained (not just the first failure) so the run record says everything that was wrong.
 */
export function evaluateGate<C extends ChampionMetrics>(
    gate: GateConfig,
    metrics: Record<string, number>,
    champion: C | null,
): GateVerdict<C> {
    const checks: GateCheck[] = gate.thresholds.map((t) => thresholdCheck(t, metrics));
    const improvements = gate.improvement ?? [];
    if (champion) checks.push(...improvements.map((i) => improvementCheck(i, metrics, champion)));
    const passed = checks.every((c) => c.passed);
    const reasons = [...checks.filter((c) => !c.passed), ...checks.filter((c) => c.passed)].map((c) => c.reason);
    if (!champion && improvements.length > 0) reasons.push('no champion yet: improvement not required');
    if (checks.length === 0) reasons.push('gate has no checks');
    return { passed, reasons, checks, metrics: { ...metrics }, comparedTo: champion };
}
