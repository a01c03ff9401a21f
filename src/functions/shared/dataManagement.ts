import type { HttpRequest, HttpResponseInit } from '@azure/functions';

import type { ActivityDeps } from '../../activities/deps';
import { runtimeDeps } from '../../activities/runtime';
import type { TargetConfig } from '../../retraining/configSchema';
import { blobNameError, listPrefix } from '../../retraining/dataPattern';
import {
    DataPolicy,
    DataState,
    Exclusion,
    Quarantine,
    quarantineHolds,
    selectListedFiles,
    withExclusion,
    withInclusion,
} from '../../retraining/dataPolicy';
import { DataStateStore } from '../../retraining/dataState';
import {
    FileProblem,
    FileVerdict,
    IntakeIndex,
    intakeDataOf,
    intakeSchemaOf,
    knownVerdict,
    ListedDataFile,
    listDataFiles,
    listTargetBlobs,
} from '../../retraining/intake';
import { principalOf } from './clientPrincipal';
import { dataChangeBodySchema, parseJsonBody } from './requestSchemas';

/** One file under a target's data pattern, as `GET /api/data/{target}` shows it. */
export interface DataFileView {
    name: string;
    size: number;
    /** ISO time the blob was last written. */
    lastModified: string;
    /**
     * What the next run does with it: `included` (trains, unless `outsideWindow`), `excluded` by a
     * person, `quarantined` after a Rejected run, `refused` by the intake pass (cannot train) or for
     * its name (one that breaks the training-data name rule, written by another tool: its reason is
     * `blobNameError`'s and its `problems` are empty).
     */
    state: 'included' | 'excluded' | 'quarantined' | 'refused';
    excluded?: Exclusion;
    quarantined?: { runId: string; at: string };
    refused?: { reason: string; problems: FileProblem[] };
    /**
     * False when no run has read this version yet (its verdict comes with the next run). An empty
     * file or a refused name needs no reading: it is `refused` at once.
     */
    judged: boolean;
    /** Included, but the target's window policy leaves it out of the next run. */
    outsideWindow?: boolean;
    /** Whether the last recorded run's manifest trained on a file of this name. */
    inLastRun: boolean;
}

export interface DataListView {
    target: string;
    policy: DataPolicy;
    /** The last recorded run that took a snapshot of the data, if any. */
    lastRun: { runId: string; state: string } | null;
    files: DataFileView[];
}

/** The target named by the route, or a 404 answer. */
export function routeTarget(
    request: HttpRequest,
): { deps: ActivityDeps; target: TargetConfig } | { answer: HttpResponseInit } {
    const deps = runtimeDeps();
    const name = request.params.target ?? '';
    const target = deps.config.targets.find((t) => t.name === name);
    if (!target) return { answer: { status: 404, jsonBody: { error: `Unknown target '${name}'.` } } };
    return { deps, target };
}

function listData(deps: ActivityDeps, target: TargetConfig): Promise<ListedDataFile[]> {
    return listDataFiles(deps.blobs.getContainerClient(target.data.container), target.data.prefixPattern);
}

/**
 * One listed file's state for the next run: what `data list` shows for it and what
 * `dataFileCounts` counts. In order: refused for its name (`blobNameError`, the check the upload
 * paths make: such a blob is never data, and exclude/include refuse its name), excluded by a person,
 * held by a quarantine (this version, or one of the same content), refused by its known verdict,
 * else included.
 */
interface FileState {
    state: DataFileView['state'];
    excluded?: Exclusion;
    quarantined?: Quarantine;
    refused?: { reason: string; problems: FileProblem[] };
}

function fileState(f: ListedDataFile, v: FileVerdict | undefined, state: DataState): FileState {
    const badName = blobNameError(f.name);
    if (badName) return { state: 'refused', refused: { reason: badName, problems: [] } };
    const excluded = state.excluded[f.name];
    if (excluded) return { state: 'excluded', excluded };
    const q = state.quarantined[f.name];
    if (q && quarantineHolds(q, { etag: f.etag, ...(v?.accepted ? { contentHash: v.contentHash } : {}) }))
        return { state: 'quarantined', quarantined: q };
    if (v && !v.accepted) return { state: 'refused', refused: v };
    return { state: 'included' };
}

/** A listed file with the verdict known for its version without reading it, and its state. */
interface ListedFileState {
    file: ListedDataFile;
    verdict: FileVerdict | undefined;
    state: FileState;
    /** Its name breaks the training-data name rule: refused unread, and never a training candidate. */
    misnamed: boolean;
}

/**
 * The target's listed files with their known verdicts (`knownVerdict`: the cached ones, and an
 * empty file's refusal) and states (`fileState`), given the target's data state (`stateOf`, read
 * alongside the listing), with the blobs under its pattern whose names no target may train on
 * (`listTargetBlobs`), sorted by name. The one reading behind both `dataList` and `dataFileCounts`.
 * @throws storage errors
 */
async function listedFileStates(
    deps: ActivityDeps,
    target: TargetConfig,
    stateOf: Promise<DataState>,
): Promise<{ state: DataState; files: ListedFileState[] }> {
    const [listed, state, index] = await Promise.all([
        listTargetBlobs(deps.blobs.getContainerClient(target.data.container), target.data.prefixPattern),
        stateOf,
        IntakeIndex.load(deps.runs.stateContainer, target.name),
    ]);
    const schemaKey = intakeSchemaOf(intakeDataOf(target)).key;
    const now = deps.now();
    const files: ListedFileState[] = [
        ...listed.files.map((file) => {
            const verdict = knownVerdict(index, file, schemaKey, now);
            return { file, verdict, state: fileState(file, verdict, state), misnamed: false };
        }),
        ...listed.misnamed.map((file) => ({
            file,
            verdict: undefined,
            state: fileState(file, undefined, state),
            misnamed: true,
        })),
    ];
    files.sort((a, b) => (a.file.name < b.file.name ? -1 : a.file.name > b.file.name ? 1 : 0));
    return { state, files };
}

/**
 * Every file under the target's data pattern with its state, from the same listing, data state and
 * policy the snapshot applies (`listDataFiles`, `selectListedFiles`) and the verdicts known for each
 * version without reading it (`knownVerdict`: the cached ones, and an empty file's refusal). Reads
 * no file's bytes: a version no run has judged yet shows `judged: false`. A blob that fits the
 * pattern but whose name breaks the training-data name rule (written by another tool; the snapshot
 * never lists it) is listed too, `refused` with `blobNameError`'s reason, so no upload is left
 * untrained without a word.
 */
export async function dataList(deps: ActivityDeps, target: TargetConfig): Promise<DataListView> {
    const [{ state, files }, runs] = await Promise.all([
        listedFileStates(deps, target, new DataStateStore(deps.runs.stateContainer).load(target.name)),
        deps.runs.listRuns(target.name, 10),
    ]);
    const last = runs.find((r) => r.manifest);
    const inLast = new Set((last?.manifest?.blobs ?? []).map((b) => b.name));
    // A misnamed blob is no candidate (the snapshot never lists it): it takes no window slot.
    const selection = selectListedFiles(
        files.filter((f) => !f.misnamed).map(({ file, verdict }) => ({ ...file, verdict })),
        state,
        target.dataPolicy,
        deps.now(),
    );
    const outside = new Set(selection.leftOut.filter((l) => l.why === 'window').map((l) => l.name));
    const views = files.map(({ file: f, verdict: v, state: s, misnamed }): DataFileView => {
        const view: DataFileView = {
            name: f.name,
            size: f.contentLength,
            lastModified: f.lastModified,
            state: s.state,
            judged: v !== undefined || misnamed,
            inLastRun: inLast.has(f.name),
        };
        if (s.excluded) view.excluded = s.excluded;
        if (s.quarantined) view.quarantined = { runId: s.quarantined.runId, at: s.quarantined.at };
        if (s.refused) view.refused = { reason: s.refused.reason, problems: s.refused.problems.slice(0, 5) };
        if (outside.has(f.name)) view.outsideWindow = true;
        return view;
    });
    return {
        target: target.name,
        policy: target.dataPolicy,
        lastRun: last ? { runId: last.runId, state: last.state } : null,
        files: views,
    };
}

/** How many of a target's files are left out by people and by Rejected runs, as `GET /api/targets` shows it. */
export interface DataFileCounts {
    /** Files a person excluded (`data exclude`). */
    excluded: number;
    /** Files a Rejected run quarantined, still the version it quarantined (an excluded one counts as excluded). */
    quarantined: number;
}

/**
 * The target's excluded and quarantined files: the files `dataList` states so (the same
 * `listedFileStates`), counted without reading the run history, as the targets view is polled
 * (`--wait` asks every second). A target with no exclusion or quarantine at all costs one read of
 * its data state.
 * @throws storage errors
 */
export async function dataFileCounts(deps: ActivityDeps, target: TargetConfig): Promise<DataFileCounts> {
    const state = await new DataStateStore(deps.runs.stateContainer).load(target.name);
    if (Object.keys(state.excluded).length === 0 && Object.keys(state.quarantined).length === 0)
        return { excluded: 0, quarantined: 0 };
    const { files } = await listedFileStates(deps, target, Promise.resolve(state));
    const count = (which: DataFileView['state']) => files.filter((f) => f.state.state === which).length;
    return { excluded: count('excluded'), quarantined: count('quarantined') };
}

/** The answer of an exclude or include: the file's name, its state now, and what changed. */
export interface DataChangeView {
    target: string;
    file: string;
    action: 'exclude' | 'include';
    /** False when the file already was in the asked state (a repeated request). */
    changed: boolean;
    /** Excluded: by whom and when. Included: the exclusion or quarantine lifted, if any. */
    excluded?: Exclusion;
    releasedFromQuarantine?: { runId: string };
    by: string;
    at: string;
}

/**
 * The handler of POST /api/data/{target}/exclude and /include, body `{ file, by, why? }`. `file`
 * is the blob name, or its name under the target's prefix (`a.csv` for `churn/a.csv`). Answers
 * 200 with a `DataChangeView`; 400 for a bad body (a `file` that breaks the training-data name
 * rule, `TRAINING_DATA_NAME_RULE`, too); 401 for an unreadable `x-ms-client-principal`
 * (where App Service Authentication names the caller, that name is recorded instead of `by`); 404
 * for an unknown target, or a file that is not under its data pattern (include also accepts a file
 * that is gone but still excluded or quarantined, to clear it).
 */
export function dataChangeHandler(action: 'exclude' | 'include') {
    return async (request: HttpRequest): Promise<HttpResponseInit> => {
        const found = routeTarget(request);
        if ('answer' in found) return found.answer;
        const { deps, target } = found;
        const parsed = await parseJsonBody(request, dataChangeBodySchema);
        if (!parsed.ok) return { status: 400, jsonBody: { error: parsed.error } };
        const identity = principalOf(request);
        if (!identity.ok) return identity.response;
        const by = identity.principal?.name ?? parsed.value.by;
        const store = new DataStateStore(deps.runs.stateContainer);
        const listed = await listData(deps, target);
        const state = await store.load(target.name);
        const known = new Set([
            ...listed.map((f) => f.name),
            ...(action === 'include' ? [...Object.keys(state.excluded), ...Object.keys(state.quarantined)] : []),
        ]);
        const asked = parsed.value.file;
        // A name no target may train on is a bad request, not an unknown file: say which rule it breaks.
        const badName = blobNameError(asked);
        if (badName) return { status: 400, jsonBody: { error: `'file': ${badName}.` } };
        const name = [asked, `${listPrefix(target.data.prefixPattern)}${asked}`].find((n) => known.has(n));
        if (!name) {
            return {
                status: 404,
                jsonBody: {
                    error: `No file '${asked}' in the data of '${target.name}' (${target.data.container}/${target.data.prefixPattern}).`,
                },
            };
        }
        const at = deps.now().toISOString();
        const base = { target: target.name, file: name, action, by, at };
        if (action === 'exclude') {
            const exclusion: Exclusion = { by, at, ...(parsed.value.why ? { why: parsed.value.why } : {}) };
            const after = await store.update(target.name, (s) => withExclusion(s, name, exclusion));
            const kept = after.excluded[name] ?? exclusion;
            return {
                status: 200,
                jsonBody: {
                    ...base,
                    changed: kept.at === at && kept.by === by,
                    excluded: kept,
                } satisfies DataChangeView,
            };
        }
        let lifted: ReturnType<typeof withInclusion> | undefined;
        await store.update(target.name, (s) => {
            lifted = withInclusion(s, name, by, at);
            return lifted.state;
        });
        const view: DataChangeView = {
            ...base,
            changed: Boolean(lifted?.wasExcluded ?? lifted?.wasQuarantined),
            ...(lifted?.wasExcluded ? { excluded: lifted.wasExcluded } : {}),
            ...(lifted?.wasQuarantined ? { releasedFromQuarantine: { runId: lifted.wasQuarantined.runId } } : {}),
        };
        return { status: 200, jsonBody: view };
    };
}
