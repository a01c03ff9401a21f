import { createHash } from 'node:crypto';

/** Job and model names the spec accepts: `^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$` (Jobs_CreateOrUpdate `id`). */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;
const MAX = 255;

function clean(text: string): string {
    return text.replace(/[^a-zA-Z0-9\-_]+/g, '-').replace(/^[-_]+/, '');
}

/**
 * The command job name of a run: `retrain-{target}-{runId}`, so submitting the same run twice
 * names the same job and the second PUT finds the first (idempotent). Characters the spec does not
 * allow become `-`; a name that would exceed 255 characters is cut and suffixed with a hash of the
 * whole, so distinct runs keep distinct names.
 */
export function deriveJobName(target: string, runId: string): string {
    const name = clean(`retrain-${target}-${runId}`);
    if (name.length <= MAX && NAME.test(name)) return name;
    const hash = createHash('sha256').update(`${target}\n${runId}`).digest('hex').slice(0, 16);
    return `${name.slice(0, MAX - 17)}-${hash}`;
}

/**
 * The model version of a run: the run id made safe for a path segment (`[a-zA-Z0-9-_.]`), so a
 * retried registration PUTs the same version.
 */
export function deriveModelVersion(runId: string): string {
    const v = runId.replace(/[^a-zA-Z0-9\-_.]+/g, '-');
    if (v.length > 0 && v.length <= 64) return v;
    return createHash('sha256').update(runId).digest('hex').slice(0, 32);
}

/**
 * The deployment name of a run: `{prefix}-{8 hex of the run id's hash}`, a letter first and at most
 * 32 characters (letters, digits, `-`), within the spec's pattern and the service's shorter limit.
 */
export function deriveDeploymentName(prefix: string, runId: string): string {
    const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
    const head = prefix
        .replace(/[^a-zA-Z0-9-]+/g, '-')
        .replace(/^[^a-zA-Z]+/, '')
        .slice(0, 23)
        .replace(/-+$/, '');
    return `${head || 'd'}-${hash}`;
}
