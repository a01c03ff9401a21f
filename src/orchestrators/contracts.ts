/**
 * What the retrain orchestrator and its activities exchange. Orchestrators import only this file
 * (and durable-functions), so the shapes here are the whole contract of the pipeline's steps.
 */

export const Activities = {
    loadPlan: 'retrain-load-plan',
    snapshotManifest: 'retrain-snapshot-manifest',
    submitJob: 'retrain-submit-job',
    getJobStatus: 'retrain-get-job-status',
    cancelJob: 'retrain-cancel-job',
    evaluate: 'retrain-evaluate',
    promote: 'retrain-promote',
    verify: 'retrain-verify',
    rollback: 'retrain-rollback',
    record: 'retrain-record',
} as const;

export const DATA_ARRIVED_EVENT = 'data-arrived';

export type RunTrigger =
    | { kind: 'blob'; blobName: string }
    | { kind: 'timer'; scheduledAt: string }
    | { kind: 'http'; blobNames?: string[]; globalParameters?: Record<string, string> };

export interface RetrainInput {
    target: string;
    trigger: RunTrigger;
}

/** The slice of a target's configuration the orchestrator decides with (no secrets). */
export interface TargetPlan {
    target: string;
    quietPeriodInMs: number;
    maxWaitInMs: number;
    jobDeadlineInMs: number;
    pollInitialIntervalInMs: number;
    pollMaxIntervalInMs: number;
    activityRetry: { firstRetryIntervalInMs: number; maxAttempts: number };
    /** Timer runs retrain even when the data did not change since the last successful run. */
    retrainOnScheduleWithoutNewData: boolean;
    /**
     * How often to check a promotion before rolling back, and how long to wait between checks (a
     * PATCHed classic endpoint can take ~30 s to serve the new model). Absent in plans recorded
     * before it existed: those instances verify once, as they did, so their histories still replay.
     */
    verify?: { attempts: number; intervalInMs: number };
}

export interface ManifestBlob {
    name: string;
    etag: string;
    /** Recorded by runs before content hashes; no longer used for the run key. */
    contentMd5?: string;
    contentLength: number;
    /**
     * sha256 hex of the file's canonical rows, from the validate-and-hash pass: the file's part of
     * the run key, whatever tool uploaded it. Absent in manifests recorded before it existed.
     */
    contentHash?: string;
    /** Data rows the file contributes. */
    rows?: number;
    /** Blank and delimiter-only rows skipped. */
    blankRows?: number;
    /** Columns of the file the target does not use (ignored), as the file spells them. */
    extraColumns?: string[];
}

/** A file under the data pattern that cannot train the target, and why. */
export interface RefusedBlob {
    name: string;
    /** One line for people: the file, and the line, column and problem (the file's own line numbers). */
    reason: string;
    etag?: string;
    /** Where: the first problems, each with the file's own line and the column. */
    problems?: { line: number; column?: string; message: string }[];
}

export interface ManifestSnapshot {
    runKey: string;
    blobs: ManifestBlob[];
    /** Run id of an earlier run over exactly this data, if any. */
    previousRunId?: string;
    /** Files under the data pattern left out because they cannot be training data, with why. */
    rejected?: RefusedBlob[];
}

export interface SubmitJobInput {
    target: string;
    runId: string;
    manifest: ManifestSnapshot;
    globalParameters: Record<string, string>;
}

/**
 * The submit step's deterministic refusal: the run's data cannot become the canonical CSV (a file
 * changed since the snapshot, or its header no longer holds the target's columns). Not retried.
 */
export interface SubmitRefused {
    refused: {
        /** The error's name, e.g. `HeaderMismatchError`, `DataChangedError`. */
        error: string;
        /** One line for people. */
        reason: string;
        detail?: string;
    };
}

export type SubmitJobResult = SubmittedJob | SubmitRefused;

export interface ModelLocation {
    baseLocation: string;
    relativeLocation: string;
}

export interface SubmittedJob {
    jobId: string;
    modelOutput: ModelLocation;
    evaluationOutput: ModelLocation;
}

export type JobState = 'NotStarted' | 'Running' | 'Failed' | 'Cancelled' | 'Finished';

export interface JobStatus {
    state: JobState;
    details?: string;
}

export interface ChampionRef {
    runId: string;
    model: ModelLocation;
    metrics: Record<string, number>;
}

export interface Verdict {
    passed: boolean;
    reasons: string[];
    metrics: Record<string, number>;
    comparedTo: ChampionRef | null;
}

export interface PromoteInput {
    target: string;
    runId: string;
    model: ModelLocation;
    /** Promote only if the endpoint still serves this champion (null: no champion yet). */
    expectedChampionRunId: string | null;
}

export interface Promotion {
    before: ModelLocation | null;
    after: ModelLocation;
}

export interface Verification {
    passed: boolean;
    reasons: string[];
    /** How many checks were made (the reasons are the last one's); absent when the plan had no `verify`. */
    attempts?: number;
}

export type FinalState = 'Promoted' | 'Rejected' | 'Failed' | 'RolledBack' | 'Skipped';

export interface RunRecord {
    target: string;
    runId: string;
    instanceId: string;
    trigger: RunTrigger;
    state: FinalState;
    /** One line for people (no paths, no stack traces). */
    reason?: string;
    /** More about the reason, when there is more to say (still no paths or stack traces). */
    reasonDetail?: string;
    manifest?: ManifestSnapshot;
    job?: SubmittedJob & { finalStatus?: JobStatus };
    verdict?: Verdict;
    promotion?: Promotion;
    verification?: Verification;
    /** Step name -> ISO time the step started, from the orchestration clock. */
    timings: Record<string, string>;
}

export type Step =
    | 'debouncing'
    | 'collecting'
    | 'submitting'
    | 'training'
    | 'evaluating'
    | 'promoting'
    | 'verifying'
    | 'rolling-back'
    | 'recording'
    /** The run is recorded; a fresh look at the data decides whether another run follows at once. */
    | 'checking-for-new-data'
    | 'done';

export interface CustomStatus {
    step: Step;
    runId?: string;
    jobId?: string;
    since: string;
}
