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
    const endpoints = new Map<string, { name: string; index: number }>();
    targets.forEach((t: unknown, i) => {
        const target = (t ?? {}) as {
            name?: unknown;
            gate?: { thresholds?: unknown; improvement?: unknown };
            update?: Record<string, unknown>;
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
        // Not String(name): a JSON object such as {"toString": {}} throws when converted.
        const name = typeof target.name === 'string' ? target.name : `targets[${i}]`;
        const endpoint = endpointIdentity(update);
        if (endpoint) {
            const first = endpoints.get(endpoint.key);
            if (first) {
                // Each run promotes over the champion it compared against; two targets on one
                // endpoint would overwrite each other's model and each roll the other's back.
                issues.push(
                    `targets[${i}].update: target '${name}' updates the same ${endpoint.what} as target '${first.name}' (targets[${first.index}].update); give each target its own endpoint`,
                );
            } else endpoints.set(endpoint.key, { name, index: i });
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
 * What endpoint an `update` block changes, as a comparable key and as words for the error: a classic
 * endpoint is its management URL, workspace, web service and endpoint name; an ARM web service its
 * base URL, subscription, resource group and name; an Azure ML online endpoint its base URL,
 * workspace (subscription, resource group, name) and endpoint name. Compared case-insensitively (Azure resource
 * names and hosts are), with trailing slashes ignored. Undefined when the block is incomplete (the
 * schema names that).
 */
function endpointIdentity(update: Record<string, unknown> | undefined): { key: string; what: string } | undefined {
    const text = (k: string, fallback?: string): string | undefined => {
        const v = update?.[k];
        return typeof v === 'string' && v !== '' ? v : fallback;
    };
    const norm = (parts: (string | undefined)[]): string | undefined =>
        parts.some((p) => p === undefined)
            ? undefined
            : parts.map((p) => (p ?? '').replace(/\/+$/, '').toLowerCase()).join('|');
    if (update?.kind === 'classic') {
        const key = norm([text('managementUrl'), text('workspaceId'), text('webServiceId'), text('endpointName')]);
        return key
            ? {
                  key: `classic|${key}`,
                  what: `classic endpoint '${text('endpointName') ?? ''}' of web service '${text('webServiceId') ?? ''}'`,
              }
            : undefined;
    }
    if (update?.kind === 'arm') {
        const key = norm([
            text('armBaseUrl', 'https://management.azure.com'),
            text('subscriptionId'),
            text('resourceGroup'),
            text('webServiceName'),
        ]);
        return key ? { key: `arm|${key}`, what: `ARM web service '${text('webServiceName') ?? ''}'` } : undefined;
    }
    if (update?.kind === 'azureml') {
        // One online endpoint of one workspace, whatever each target's deployment prefix: each run
        // moves all of the endpoint's traffic to its own deployment and may retire the earlier
        // ones, whoever made them (src/activities/rollout.ts), so two targets would undo each other.
        const ws = (update.workspace ?? {}) as Record<string, unknown>;
        const part = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
        const key = norm([
            text('armBaseUrl', 'https://management.azure.com'),
            part(ws.subscriptionId),
            part(ws.resourceGroup),
            part(ws.name),
            text('endpoint'),
        ]);
        return key
            ? {
                  key: `azureml|${key}`,
                  what: `online endpoint '${text('endpoint') ?? ''}' of workspace '${part(ws.name) ?? ''}'`,
              }
            : undefined;
    }
    return undefined;
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
