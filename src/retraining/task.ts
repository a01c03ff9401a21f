import type { TargetConfig } from './configSchema';
import { BINARY_METRICS, canonicalMetricName, REGRESSION_METRICS } from './metricNames';

export type Task = 'classification' | 'regression';

/** The gate's metrics, read as a task: all binary -> classification, all regression -> regression. */
export function inferTask(metrics: readonly string[]): Task | undefined {
    const kinds = new Set(
        metrics.map((m) => {
            const key = canonicalMetricName(m);
            if (key in BINARY_METRICS) return 'classification';
            if (key in REGRESSION_METRICS) return 'regression';
            return 'unknown';
        }),
    );
    if (kinds.size !== 1) return undefined;
    const [only] = kinds;
    return only === 'unknown' ? undefined : only;
}

/** The gate metric names a target's config mentions (raw JSON, defensively typed). */
export function gateMetrics(gate: unknown): string[] {
    const g = (gate ?? {}) as { thresholds?: unknown; improvement?: unknown };
    const out: string[] = [];
    for (const list of [g.thresholds, g.improvement]) {
        if (!Array.isArray(list)) continue;
        for (const rule of list) {
            const metric = (rule as { metric?: unknown } | null)?.metric;
            if (typeof metric === 'string') out.push(metric);
        }
    }
    return out;
}

/**
 * A target's task: `data.task`, else what its gate's metrics say, else undefined (an older config
 * with an empty or custom gate: it keeps working, its labels only have to be non-empty).
 */
export function taskOf(target: Pick<TargetConfig, 'data' | 'gate'>): Task | undefined {
    return target.data.task ?? inferTask(gateMetrics(target.gate));
}
