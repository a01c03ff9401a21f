import type { ContainerClient } from '@azure/storage-blob';

import type { TargetConfig } from '../../retraining/configSchema';
import { blobNameProblem, matchesDataPattern, TRAINING_DATA_NAME_RULE } from '../../retraining/dataPattern';

/** The blobs an HTTP start named that no run could train on, by why. Empty lists: all usable. */
export interface NamedBlobProblems {
    /**
     * Not a training-data name for any target (a `.` or `..` segment, an empty segment, a
     * backslash, a control character): storage would resolve such a name to another blob.
     */
    invalid: string[];
    /** Outside the target's data pattern (another target's data, or no training data at all). */
    foreign: string[];
    /** Under the pattern but not in the target's data container. */
    missing: string[];
    /** Present but empty (no header, no rows): never training data. */
    empty: string[];
}

function statusCodeOf(err: unknown): number | undefined {
    const code = (err as { statusCode?: unknown } | null)?.statusCode;
    return typeof code === 'number' ? code : undefined;
}

/**
 * Checks the `blobNames` of POST /api/retrain/{target} before any run starts, so the caller gets a
 * 400 naming each bad blob instead of a 202 and a run that fails later: each name must be a
 * training-data name (`TRAINING_DATA_NAME_RULE`), match the
 * target's `data.prefixPattern` and exist, non-empty, in `data` (the target's data container).
 * Duplicates are checked once.
 * @throws the storage error for anything but a 404 (an outage is not a bad request)
 */
export async function checkNamedBlobs(
    target: TargetConfig,
    data: ContainerClient,
    names: readonly string[],
): Promise<NamedBlobProblems> {
    const problems: NamedBlobProblems = { invalid: [], foreign: [], missing: [], empty: [] };
    const unique = [...new Set(names)];
    const ours = unique.filter((n) => {
        if (blobNameProblem(n) !== undefined) {
            problems.invalid.push(n);
            return false;
        }
        if (matchesDataPattern(target.data.prefixPattern, n)) return true;
        problems.foreign.push(n);
        return false;
    });
    const sizes = await Promise.all(
        ours.map(async (n) => {
            try {
                return (await data.getBlobClient(n).getProperties()).contentLength ?? 0;
            } catch (err) {
                if (statusCodeOf(err) === 404) return undefined;
                throw err;
            }
        }),
    );
    ours.forEach((n, i) => {
        const size = sizes[i];
        if (size === undefined) problems.missing.push(n);
        else if (size === 0) problems.empty.push(n);
    });
    return problems;
}

/** One line for the 400, naming each bad blob and why; undefined when there is none. */
export function namedBlobsError(target: TargetConfig, p: NamedBlobProblems): string | undefined {
    const parts = [
        ...p.invalid.map((n) => `'${n}' cannot be a training-data name: ${blobNameProblem(n) ?? ''}`),
        ...p.foreign.map((n) => `'${n}' is not under the target's data pattern '${target.data.prefixPattern}'`),
        ...p.missing.map((n) => `'${n}' does not exist in container '${target.data.container}'`),
        ...p.empty.map((n) => `'${n}' is empty`),
    ];
    if (parts.length === 0) return undefined;
    const rule = p.invalid.length > 0 ? ` (${TRAINING_DATA_NAME_RULE})` : '';
    return `blobNames: ${parts.length} blob(s) cannot be trained for '${target.name}': ${parts.join('; ')}${rule}. No run was started.`;
}
