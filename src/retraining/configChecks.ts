import { defaultDirection } from './metricNames';
import { gateMetrics, inferTask } from './task';

/**
 * Cross-field checks run on the raw JSON beside the schema, not inside it: zod skips an object's
 * refinements once any field in it is invalid, and every problem must be reported in one pass.
 * Defensive about shapes, since the input may be invalid in other ways.
 */
export function crossFieldIssues(raw: unknown): string[] {
    const issues: string[] = [];
    const targets = (raw as { targets?: unknown } | null)?.targets;
    if (!Array.isArray(targets)) return issues;
    const seen = new Set<string>();
    targets.forEach((t: unknown, i) => {
        const target = (t ?? {}) as { name?: unknown; gate?: { thresholds?: unknown; improvement?: unknown } };
        if (typeof target.name === 'string') {
            if (seen.has(target.name)) issues.push(`targets[${i}].name: duplicate target '${target.name}'`);
            seen.add(target.name);
        }
        issues.push(...dataIssues(t, `targets[${i}]`));
        for (const list of ['thresholds', 'improvement'] as const) {
            const rules = target.gate?.[list];
            if (!Array.isArray(rules)) continue;
            rules.forEach((r: unknown, j) => {
                const rule = (r ?? {}) as { metric?: unknown; direction?: unknown };
                if (typeof rule.metric === 'string' && rule.direction === undefined && !defaultDirection(rule.metric)) {
                    issues.push(
                        `targets[${i}].gate.${list}[${j}].direction: metric '${rule.metric}' is not a known metric; give its "direction"`,
                    );
                }
            });
        }
    });
    return issues;
}

/** The data block's fields that depend on each other and on the gate. */
function dataIssues(t: unknown, at: string): string[] {
    const target = (t ?? {}) as { data?: unknown; gate?: unknown };
    const data = (target.data ?? {}) as {
        task?: unknown;
        featureColumns?: unknown;
        columnTypes?: unknown;
        classes?: unknown;
    };
    const issues: string[] = [];
    const task = typeof data.task === 'string' ? data.task : inferTask(gateMetrics(target.gate));
    if (data.classes !== undefined && task === 'regression') {
        issues.push(`${at}.data.classes: only a classification target has classes`);
    }
    if (data.columnTypes && typeof data.columnTypes === 'object' && Array.isArray(data.featureColumns)) {
        const features = new Set(data.featureColumns);
        for (const key of Object.keys(data.columnTypes)) {
            if (!features.has(key)) {
                issues.push(
                    `${at}.data.columnTypes.${key}: not one of the featureColumns (the label's type follows data.task)`,
                );
            }
        }
    }
    return issues;
}
