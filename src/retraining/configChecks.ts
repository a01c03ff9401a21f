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
        const target = (t ?? {}) as {
            name?: unknown;
            gate?: { thresholds?: unknown; improvement?: unknown };
            update?: { kind?: unknown; endpointName?: unknown; defaultEndpointName?: unknown };
            training?: unknown;
            scoring?: unknown;
        };
        const update = target.update;
        issues.push(...kindIssues(target, `targets[${i}]`));
        if (
            update?.kind === 'classic' &&
            typeof update.endpointName === 'string' &&
            update.endpointName.toLowerCase() ===
                (typeof update.defaultEndpointName === 'string' ? update.defaultEndpointName : 'default').toLowerCase()
        ) {
            // The management API refuses to patch the default endpoint's model (named `default`
            // unless the service says otherwise): every run would train, pass the gate and then
            // fail at promotion.
            issues.push(
                `targets[${i}].update.endpointName: '${update.endpointName}' is the web service's default endpoint, whose model cannot be updated; add a non-default endpoint and name it here`,
            );
        }
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

/**
 * Checks that need the app settings: a target whose data lives outside the container the blob
 * trigger watches (`RETRAINER_DATA_CONTAINER`) would never be triggered by an upload.
 */
export function settingsIssues(
    targets: readonly { name: string; data: { container: string } }[],
    env: Record<string, string | undefined>,
): string[] {
    const watched = env.RETRAINER_DATA_CONTAINER;
    if (!watched) return [];
    const issues: string[] = [];
    targets.forEach((t, i) => {
        if (t.data.container !== watched) {
            issues.push(
                `targets[${i}].data.container: '${t.data.container}' is not the container the blob trigger watches (RETRAINER_DATA_CONTAINER='${watched}'); uploads for '${t.name}' would never start a run`,
            );
        }
    });
    return issues;
}

/**
 * What a target needs or must not have by its update kind: BES `training` and RRS `scoring` for the
 * classic and ARM kinds; neither for `azureml` (its job trains, its endpoint scores), whose rollout
 * steps must increase and end at 100 (a rollout that never reaches 100 would never promote).
 */
function kindIssues(target: { update?: unknown; training?: unknown; scoring?: unknown }, at: string): string[] {
    const update = (target.update ?? {}) as { kind?: unknown; rollout?: { stepsInPercent?: unknown } };
    const issues: string[] = [];
    if (update.kind === 'classic' || update.kind === 'arm') {
        for (const key of ['training', 'scoring'] as const) {
            if (target[key] === undefined) issues.push(`${at}.${key}: required for an update of kind '${update.kind}'`);
        }
    }
    if (update.kind !== 'azureml') return issues;
    if (target.training !== undefined)
        issues.push(`${at}.training: not used by an 'azureml' target (it trains with update.job); remove it`);
    if (target.scoring !== undefined)
        issues.push(`${at}.scoring: not used by an 'azureml' target (it scores at update.endpoint); remove it`);
    const steps = update.rollout?.stepsInPercent;
    if (Array.isArray(steps) && steps.length > 0 && steps.every((s) => typeof s === 'number')) {
        const numbers = steps;
        if (numbers.some((s, j) => j > 0 && s <= numbers[j - 1]))
            issues.push(`${at}.update.rollout.stepsInPercent: must increase step by step, got [${numbers.join(', ')}]`);
        if (numbers[numbers.length - 1] !== 100)
            issues.push(
                `${at}.update.rollout.stepsInPercent: must end at 100 (the new deployment takes all traffic), got [${numbers.join(', ')}]`,
            );
    }
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
