import type {
    LeftOutBlob,
    ManifestBlob,
    ManifestSnapshot,
    RefusedBlob,
    SnapshotInput,
} from '../orchestrators/contracts';
import { selectListedFiles } from '../retraining/dataPolicy';
import { DataStateStore } from '../retraining/dataState';
import { intakeDataOf, intakeSchemaOf, judgeTargetFiles, listDataFiles } from '../retraining/intake';
import { runKeyOf } from '../retraining/runKey';
import { ActivityDeps, targetOf } from './deps';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { SnapshotInput };

/**
 * The data a run trains on: every blob of the target's data pattern (`listDataFiles`; or the blobs
 * an HTTP call named), each validated and hashed once per ETag by the intake pass (cached in the runs
 * container), with the run key over the files' content hashes and the earlier run that already
 * judged exactly this data. A file that cannot train stays in the container; it is left out here
 * with its reason (file, line, column), or it would fail every later run of the target. Of the
 * files that can train, the target's `dataPolicy` and data state (exclusions, quarantines) pick
 * those the run trains on; the others are named in `leftOut` with why. Blobs an HTTP call named
 * skip the window (they were chosen) but not exclusions or quarantines.
 */
export async function snapshotManifest(deps: ActivityDeps, input: SnapshotInput): Promise<ManifestSnapshot> {
    const target = targetOf(deps, input.target);
    const container = deps.blobs.getContainerClient(target.data.container);
    const named = input.trigger.kind === 'http' ? input.trigger.blobNames : undefined;
    if (!(await container.exists())) return { runKey: runKeyOf([]), blobs: [] };
    // Empty blobs stay in: the intake pass refuses them (`'…' is empty`) without reading them, so
    // they are named under `rejected` like any file that cannot train, and take no window slot.
    const listed = (await listDataFiles(container, target.data.prefixPattern)).filter(
        (b) => !named || named.includes(b.name),
    );
    const lastModified = new Map(listed.map((b) => [b.name, b.lastModified]));
    const { verdicts } = await judgeTargetFiles({
        data: container,
        state: deps.runs.stateContainer,
        target: target.name,
        schema: intakeSchemaOf(intakeDataOf(target)),
        files: listed,
        complete: !named,
        now: () => deps.now(),
    });
    const state = await new DataStateStore(deps.runs.stateContainer).load(target.name);
    const policy = named ? { ...target.dataPolicy, trainOn: 'all' as const } : target.dataPolicy;
    const selection = selectListedFiles(
        verdicts.map((v) => ({ name: v.name, etag: v.etag, lastModified: lastModified.get(v.name) ?? '', verdict: v })),
        state,
        policy,
        deps.now(),
    );
    const leftOut: LeftOutBlob[] = selection.leftOut;
    const out = new Set(leftOut.map((l) => l.name));
    const blobs: ManifestBlob[] = [];
    const rejected: RefusedBlob[] = [];
    for (const v of verdicts) {
        if (!v.accepted) {
            rejected.push({ name: v.name, reason: v.reason, etag: v.etag, problems: v.problems.slice(0, 5) });
            continue;
        }
        if (out.has(v.name)) continue;
        blobs.push({
            name: v.name,
            etag: v.etag,
            contentLength: v.contentLength,
            contentHash: v.contentHash,
            rows: v.rows,
            blankRows: v.blankRows,
            ...(v.extraColumns.length > 0 ? { extraColumns: v.extraColumns } : {}),
        });
    }
    if (named) {
        const missing = named.filter((n) => !blobs.some((b) => b.name === n));
        if (missing.length > 0) {
            const why = [
                ...rejected.filter((r) => named.includes(r.name)).map((r) => ` ${r.reason}.`),
                ...leftOut.filter((l) => named.includes(l.name)).map((l) => ` '${l.name}' is ${l.reason}.`),
            ];
            throw new Error(
                `Named data blob(s) not found for target '${target.name}': ${missing.join(', ')}.${why.join('')}`,
            );
        }
    }
    blobs.sort((a, b) => (a.name < b.name ? -1 : 1));
    rejected.sort((a, b) => (a.name < b.name ? -1 : 1));
    leftOut.sort((a, b) => (a.name < b.name ? -1 : 1));
    const runKey = runKeyOf(blobs);
    const previousRunId = await deps.runs.findRunByKey(target.name, runKey);
    return {
        runKey,
        blobs,
        ...(previousRunId ? { previousRunId } : {}),
        ...(rejected.length > 0 ? { rejected } : {}),
        ...(leftOut.length > 0 ? { leftOut } : {}),
    };
}
