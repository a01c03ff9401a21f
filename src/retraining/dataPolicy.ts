import type { DataPolicyConfig } from './configSchema';

/**
 * Which of a target's files a run trains on, from the target's `dataPolicy` and the people's and
 * runs' decisions kept in Retrainer's per-target data state (`DataState`). Pure: no I/O, no clock
 * (the caller passes `now`), so the snapshot and the `data list` route cannot disagree.
 */

/** A person left a file out of training (`retrainer data exclude`). */
export interface Exclusion {
    by: string;
    /** ISO time of the decision. */
    at: string;
    why?: string;
}

/** A Rejected run's file, left out of later runs (policy `onRejected: 'quarantine'`). */
export interface Quarantine {
    /** The Rejected run whose data it was. */
    runId: string;
    /** ISO time the run was recorded. */
    at: string;
    /** The version quarantined: a file replaced with other content is new data and trains again. */
    etag: string;
    contentHash?: string;
}

/** A quarantine lifted by `include`: remembered so a retried record of that run cannot restore it. */
export interface Release {
    runId: string;
    by: string;
    at: string;
}

/**
 * A target's data state, one JSON blob in Retrainer's runs container (`datastate/{target}.json`),
 * never in the data blobs' metadata (writing metadata changes a blob's ETag, so every file would
 * look new). Keyed by blob name.
 */
export interface DataState {
    version: 1;
    excluded: Record<string, Exclusion>;
    quarantined: Record<string, Quarantine>;
    released: Record<string, Release>;
}

export function emptyDataState(): DataState {
    return { version: 1, excluded: {}, quarantined: {}, released: {} };
}

/** A file that can train (accepted by the intake pass), as the policy sees it. */
export interface CandidateFile {
    name: string;
    etag: string;
    contentHash?: string;
    /** ISO time the blob was last written (its upload), from the listing. */
    lastModified: string;
}

export type LeftOutWhy = 'excluded' | 'quarantined' | 'window';

/** A file that could train but a run leaves out, and why (the run record keeps these). */
export interface LeftOutFile {
    name: string;
    /** The version left out (a listing's ETag). */
    etag: string;
    why: LeftOutWhy;
    /** One line for people, e.g. `excluded by ana at 2026-…: duplicate export`. */
    reason: string;
    /** Excluded: who and when. */
    by?: string;
    at?: string;
    /** Quarantined: the Rejected run whose data it was. */
    runId?: string;
}

export interface Selection {
    /** The files the run trains on, in the order given. */
    trained: CandidateFile[];
    /** The others, in the order given. */
    leftOut: LeftOutFile[];
}

/** The target's policy with its defaults, for callers that hold a partial one. */
export type DataPolicy = Pick<DataPolicyConfig, 'trainOn' | 'onRejected'> &
    Partial<Pick<DataPolicyConfig, 'lastFiles' | 'lastDays'>>;

/** Is `file` (this version) held by `q`? A replaced file with other content is not. */
export function quarantineHolds(q: Quarantine | undefined, file: Pick<CandidateFile, 'etag' | 'contentHash'>): boolean {
    if (!q) return false;
    return q.etag === file.etag || (q.contentHash !== undefined && q.contentHash === file.contentHash);
}

const DAY_IN_MS = 86_400_000;

/**
 * Applies, in order: exclusions, quarantines, then the window (over the files still in, newest
 * first by last-modified time, then name). A window of `lastFiles` N keeps the N newest of those;
 * of `lastDays` D, those written at or after `now` − D days.
 */
export function selectTrainingFiles(
    files: readonly CandidateFile[],
    state: DataState,
    policy: DataPolicy,
    now: Date,
): Selection {
    const leftOut = new Map<string, LeftOutFile>();
    const eligible: CandidateFile[] = [];
    for (const f of files) {
        const ex = state.excluded[f.name];
        const q = state.quarantined[f.name];
        if (ex) {
            leftOut.set(f.name, {
                name: f.name,
                etag: f.etag,
                why: 'excluded',
                reason: `excluded by ${ex.by} at ${ex.at}${ex.why ? `: ${ex.why}` : ''}`,
                by: ex.by,
                at: ex.at,
            });
        } else if (quarantineHolds(q, f)) {
            leftOut.set(f.name, {
                name: f.name,
                etag: f.etag,
                why: 'quarantined',
                reason: `quarantined: its run ${q.runId} was Rejected`,
                runId: q.runId,
                at: q.at,
            });
        } else eligible.push(f);
    }
    if (policy.trainOn === 'window') {
        const newestFirst = [...eligible].sort(
            (a, b) => b.lastModified.localeCompare(a.lastModified) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
        );
        let outside: CandidateFile[];
        let why: string;
        if (policy.lastFiles !== undefined) {
            outside = newestFirst.slice(policy.lastFiles);
            why = `outside the window of the last ${policy.lastFiles} file(s)`;
        } else {
            const from = now.getTime() - (policy.lastDays ?? 0) * DAY_IN_MS;
            outside = newestFirst.filter((f) => Date.parse(f.lastModified) < from);
            why = `outside the window of the last ${policy.lastDays} day(s) (written before ${new Date(from).toISOString()})`;
        }
        for (const f of outside) leftOut.set(f.name, { name: f.name, etag: f.etag, why: 'window', reason: why });
    }
    return {
        trained: files.filter((f) => !leftOut.has(f.name)),
        leftOut: files.flatMap((f) => {
            const l = leftOut.get(f.name);
            return l ? [l] : [];
        }),
    };
}

/** What the policy needs of a file's intake verdict: refused, or accepted with its content hash. */
export type VerdictSummary = { accepted: false } | { accepted: true; contentHash: string };

/** A file under a target's data pattern with its verdict, when one is known. */
export interface ListedCandidate {
    name: string;
    etag: string;
    /** ISO time the blob was last written. */
    lastModified: string;
    /** Absent: no run has judged this version yet (and it is not empty: that is known unread). */
    verdict?: VerdictSummary;
}

/**
 * Is this file a candidate for training, one the exclusions, quarantines and the window count? A
 * refused version (it cannot train, or it is empty) never is; a version no run has judged yet is,
 * until it is judged.
 */
export function isTrainingCandidate(file: Pick<ListedCandidate, 'verdict'>): boolean {
    return file.verdict?.accepted !== false;
}

/**
 * The policy applied to a target's listed files: the candidates (`isTrainingCandidate`) through
 * `selectTrainingFiles`. The snapshot and `GET /api/data/{target}` both call this, so the window a
 * listing shows is the one the next run applies, and a refused file never takes a window slot.
 */
export function selectListedFiles(
    files: readonly ListedCandidate[],
    state: DataState,
    policy: DataPolicy,
    now: Date,
): Selection {
    const candidates: CandidateFile[] = files.filter(isTrainingCandidate).map((f) => ({
        name: f.name,
        etag: f.etag,
        lastModified: f.lastModified,
        ...(f.verdict?.accepted ? { contentHash: f.verdict.contentHash } : {}),
    }));
    return selectTrainingFiles(candidates, state, policy, now);
}

/** A file of a run's manifest, as far as quarantine needs it. */
export interface RunFile {
    name: string;
    etag: string;
    contentHash?: string;
}

/**
 * The files a Rejected run brought over the champion's data: those of its manifest that the
 * champion's run did not train on (the same name and content). Without a champion, all of them.
 */
export function filesToQuarantine(rejected: readonly RunFile[], champion: readonly RunFile[] | undefined): RunFile[] {
    if (!champion) return [...rejected];
    const same = (a: RunFile, b: RunFile): boolean =>
        a.name === b.name && (a.etag === b.etag || (a.contentHash !== undefined && a.contentHash === b.contentHash));
    return rejected.filter((f) => !champion.some((c) => same(f, c)));
}

/**
 * `state` with `files` quarantined for Rejected run `runId` (recorded at `at`). Idempotent: a
 * second call for the same run changes nothing, and a file a person released from this run's
 * quarantine (`include`) stays released.
 */
export function withQuarantine(state: DataState, runId: string, files: readonly RunFile[], at: string): DataState {
    const quarantined = { ...state.quarantined };
    for (const f of files) {
        if (state.released[f.name]?.runId === runId) continue;
        if (quarantined[f.name]?.runId === runId) continue;
        quarantined[f.name] = {
            runId,
            at,
            etag: f.etag,
            ...(f.contentHash !== undefined ? { contentHash: f.contentHash } : {}),
        };
    }
    return { ...state, quarantined };
}

/** `state` with `name` excluded by `by` (a repeated exclusion keeps the first one's who and when). */
export function withExclusion(state: DataState, name: string, exclusion: Exclusion): DataState {
    if (state.excluded[name]) return state;
    return { ...state, excluded: { ...state.excluded, [name]: exclusion } };
}

/** What an `include` lifted. */
export interface Inclusion {
    state: DataState;
    /** The exclusion removed, if the file was excluded. */
    wasExcluded?: Exclusion;
    /** The quarantine lifted, if the file was quarantined. */
    wasQuarantined?: Quarantine;
}

/** `state` with `name` back in training: its exclusion and quarantine (if any) lifted. */
export function withInclusion(state: DataState, name: string, by: string, at: string): Inclusion {
    const wasExcluded = state.excluded[name];
    const wasQuarantined = state.quarantined[name];
    if (!wasExcluded && !wasQuarantined) return { state };
    const excluded = { ...state.excluded };
    const quarantined = { ...state.quarantined };
    const released = { ...state.released };
    delete excluded[name];
    delete quarantined[name];
    if (wasQuarantined) released[name] = { runId: wasQuarantined.runId, by, at };
    return {
        state: { ...state, excluded, quarantined, released },
        ...(wasExcluded ? { wasExcluded } : {}),
        ...(wasQuarantined ? { wasQuarantined } : {}),
    };
}
