/**
 * What the retrain orchestrator and its activities exchange. Orchestrators import only this file
 * (and durable-functions), so the shapes here are the whole contract of the pipeline's steps.
 */

import type { ClaimPending } from './claims';

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
    arrivals: 'retrain-arrivals',
    readDecision: 'retrain-read-decision',
    // Azure ML v2 targets (`update.kind: 'azureml'`): the rollout's steps (see ./rollout).
    registerModel: 'retrain-azureml-register-model',
    beginDeployment: 'retrain-azureml-begin-deployment',
    pollOperation: 'retrain-azureml-poll-operation',
    setTraffic: 'retrain-azureml-set-traffic',
    deleteDeployment: 'retrain-azureml-delete-deployment',
    checkDeployment: 'retrain-azureml-check-deployment',
} as const;

export const DATA_ARRIVED_EVENT = 'data-arrived';

/**
 * The event `POST /api/retrain/{target}/cancel` raises: asks the target's live run to stop. One
 * name for the whole instance (a run may be cancelled before it has a run id, while debouncing).
 */
export const CANCEL_EVENT = 'cancel-requested';

/** The payload of {@link CANCEL_EVENT}: who asked (the route decided the name), when (ISO), why. */
export interface CancelRequestEvent {
    by: string;
    at: string;
    why?: string;
    /**
     * The `customStatus.startedAt` of the execution the request was made for. A run acts only on a
     * request for itself (or one without it, raised before it existed): a request raised for an
     * earlier execution of the instance can reach a later one (carried over at continue-as-new, or
     * raised again from a stale status), and must not stop it.
     */
    forExecution?: string;
}

/**
 * The event that carries an approval decision for one run. The run id is in the name so that a
 * decision can only ever reach the run it was made for, never a later run of the same instance.
 */
export function approvalEventName(runId: string): string {
    return `approval-${runId}`;
}

/** The key of an activity in `Activities` (not its registered function name). */
export type ActivityKey = keyof typeof Activities;

/**
 * Each activity's input and output, by its key in `Activities`. The orchestrators' call helper
 * (`callActivity` in ./callActivity) and the registration loop (src/functions/activities.ts) both
 * read this table, so a call site and the implementation it reaches cannot disagree on a shape.
 * Outputs are what the activity's promise resolves to; the durable runtime carries them as JSON.
 */
export interface ActivityTypes {
    /** Input: the target's name. */
    loadPlan: { input: string; output: TargetPlan };
    snapshotManifest: { input: SnapshotInput; output: ManifestSnapshot };
    submitJob: { input: SubmitJobInput; output: SubmitJobResult | ClaimPending };
    getJobStatus: { input: JobRef; output: JobStatus };
    cancelJob: { input: JobRef; output: void };
    evaluate: { input: EvaluateInput; output: Verdict };
    promote: { input: PromoteInput; output: Promotion | ClaimPending };
    verify: { input: VerifyInput; output: Verification };
    rollback: { input: RollbackInput; output: null | ClaimPending };
    record: { input: RunRecord; output: void };
    arrivals: { input: ArrivalsInput; output: ArrivalsView };
    /** The decision the approve/reject routes claimed for a run, or null while there is none. */
    readDecision: { input: DecisionRef; output: ApprovalDecisionEvent | null };
    registerModel: { input: RegisterModelInput; output: RegisteredModel | ClaimPending };
    beginDeployment: { input: BeginDeploymentInput; output: BegunDeployment | ClaimPending };
    pollOperation: { input: PollOperationInput; output: OperationProgress };
    setTraffic: { input: SetTrafficInput; output: OperationStarted | ClaimPending };
    deleteDeployment: { input: DeleteDeploymentInput; output: OperationStarted | ClaimPending };
    checkDeployment: { input: CheckDeploymentInput; output: LiveCheck };
}

/** Names one run's approval decision: `approvals/{target}/{runId}.json` in the run store. */
export interface DecisionRef {
    target: string;
    runId: string;
}

export type ActivityInput<K extends ActivityKey> = ActivityTypes[K]['input'];
export type ActivityOutput<K extends ActivityKey> = ActivityTypes[K]['output'];

export type RunTrigger =
    | { kind: 'blob'; blobName: string }
    | { kind: 'timer'; scheduledAt: string }
    | {
          kind: 'http';
          blobNames?: string[];
          globalParameters?: Record<string, string>;
          /** Re-judge data an earlier run already judged (e.g. after a gate change) instead of Skipping it. */
          force?: boolean;
      };

export interface RetrainInput {
    target: string;
    trigger: RunTrigger;
    /** Set by the caller that started the run, read back with getStatus to prove it won the start. */
    startNonce?: string;
}

/**
 * The arrivals activity (a target's outbox): `take` before listing storage (what is recorded so far
 * is covered by that listing), `peek` while debouncing, `close` at the final look (pending blob or
 * timer arrivals, or the outbox marked closed by this run when there are none).
 */
export interface ArrivalsInput {
    target: string;
    op: 'take' | 'peek' | 'close';
    instanceId: string;
    runId?: string;
    /**
     * For `close`: the blob writes (name, ETag without quotes) the run's listing saw. A pending
     * arrival of one of them was late, not new (its run trained or judged that very version), and a
     * later delivery of one is a repeat; neither starts another run.
     */
    listed?: { blobName: string; etag: string }[];
}

export interface ArrivalsView {
    /** How many arrivals are pending (after a take: how many it covered). */
    pending: number;
    /** ISO time of the newest pending arrival, if any. */
    latestAt?: string;
    /** For `close`: the first pending blob arrival's name, if any (the next run's trigger). */
    blobName?: string;
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
    /**
     * Read the target's outbox of arrivals (take before listing, peek while debouncing, close at the
     * final look). Absent in plans recorded before it existed: those instances replay as they ran.
     */
    outbox?: boolean;
    /**
     * Stamp the run id with the time of an episode already committed when the side effects are
     * scheduled (the start of collecting; of the run, for a run that fails before it): in Azure an
     * episode whose checkpoint failed runs again at a later time, and the activities it sent first
     * still run, so a run id taken from that episode's clock would differ between the two copies and
     * each would claim its own BES job. Absent in plans recorded before it existed: those stamp the
     * submitting episode's time, as they did, so their histories still replay.
     */
    stableRunId?: boolean;
    /**
     * A person must approve a run that passed the gate before it is promoted. Absent when the
     * target's config has no `approval` block (or `required: false`), and in plans recorded before
     * it existed: those runs promote straight after the gate, so their histories still replay.
     */
    approval?: ApprovalPlan;
    /**
     * The run listens for {@link CANCEL_EVENT} while it waits (debounce, job poll, approval) and
     * once before promoting. Absent in plans recorded before it existed: those instances replay
     * with the very waits they had, and ignore a cancel request.
     */
    cancellable?: boolean;
    /**
     * An Azure ML v2 target's rollout (config `update.rollout`, `keepDeployments`): present only for
     * targets of kind `azureml`, which promote through it instead of promote/verify.
     */
    rollout?: RolloutPlan;
}

/** How an Azure ML v2 target moves traffic to a new deployment (see the config's `update.rollout`). */
export interface RolloutPlan {
    /** The new deployment's traffic share per step, increasing, ending at 100. */
    stepsInPercent: number[];
    /** Durable wait per step before its live checks. */
    bakeInMs: number;
    /** Durable wait between polls of a long-running operation. */
    pollIntervalInMs: number;
    /** The longest one operation may run before the rollout gives up on it. */
    operationTimeoutInMs: number;
    /** Earlier deployments kept after a promotion (newest first); older ones are deleted. */
    keepDeployments: number;
}

/**
 * A long-running Azure ML operation begun by one activity and polled by later ones: what it
 * changes, and the SDK poller's serialized state (`state`) when the beginning copy recorded it; a
 * copy that took over from a holder that died right after the call has no state, and the poll reads
 * the resource's provisioning state instead.
 */
export interface OperationRef {
    kind: 'deployment' | 'endpoint' | 'deleteDeployment';
    endpoint: string;
    deployment?: string;
    state?: string;
}

export interface OperationProgress {
    status: 'InProgress' | 'Succeeded' | 'Failed';
    /** The service's message when Failed. */
    error?: string;
}

/** A step that begins an operation: the operation, or null when there was nothing to change. */
export interface OperationStarted {
    operation: OperationRef | null;
}

export interface RegisterModelInput {
    target: string;
    runId: string;
    job: SubmittedJob;
    /** The run key (the hash of the run's canonical data), tagged on the model version. */
    dataHash: string;
}

/** A model version in the workspace registry. */
export interface RegisteredModel {
    /** Its ARM id (what a deployment's `model` names). */
    modelId: string;
    name: string;
    version: string;
    /** The job output the version was made from (`azureml://datastores/.../paths/...`). */
    modelUri: string;
}

export interface BeginDeploymentInput {
    target: string;
    runId: string;
    modelId: string;
}

export interface BegunDeployment {
    /** The new deployment's name (derived from the run, so a resumed run never makes a second one). */
    deployment: string;
    /** The deployment with the largest traffic share before the rollout (null: none had any). */
    serving: string | null;
    /** The endpoint's traffic map before the rollout, restored on rollback. */
    trafficBefore: Record<string, number>;
    /** Earlier deployments Retrainer may retire after a promotion, newest first (the serving one first). */
    earlier: string[];
    operation: OperationRef;
}

export interface PollOperationInput {
    target: string;
    operation: OperationRef;
}

/**
 * Sets the endpoint's traffic to `traffic`; every deployment not named gets 0 (one full PUT,
 * read-modify-write). `label` names the step's claim (e.g. `10`, `rollback`), so each step acts once.
 */
export interface SetTrafficInput {
    target: string;
    runId: string;
    label: string;
    traffic: Record<string, number>;
}

export interface DeleteDeploymentInput {
    target: string;
    runId: string;
    deployment: string;
}

/**
 * Live checks of a deployment: the golden rows (straight to the deployment with the
 * `azureml-model-deployment` header, or through the endpoint by traffic), and with `window` the
 * deployment's error rate and latency over it (epoch ms, `[fromMs, toMs)`).
 */
export interface CheckDeploymentInput {
    target: string;
    runId: string;
    deployment: string;
    via: 'deployment' | 'endpoint';
    window?: { fromMs: number; toMs: number };
}

export interface LiveCheck {
    passed: boolean;
    reasons: string[];
    /** What the metrics source reported for the window, when one was read. */
    metrics?: { requests: number; errors: number; latencyAvgInMs?: number; latencyMaxInMs?: number };
}

/** An Azure ML v2 rollout as the run record keeps it. */
export interface RolloutRecord {
    model?: RegisteredModel;
    deployment?: string;
    serving?: string | null;
    trafficBefore?: Record<string, number>;
    /** The golden rows against the new deployment before it got traffic. */
    preTraffic?: LiveCheck;
    /** Each traffic step reached: the share, when its bake began (ISO), and its live checks. */
    steps: { percent: number; at: string; check?: LiveCheck }[];
    /** Earlier deployments deleted after the promotion. */
    retired: string[];
    /** True once traffic went back to the serving deployment and the new one was deleted. */
    rolledBack?: boolean;
    /** Problems met while cleaning up (a failed delete), for people. */
    notes?: string[];
}

/** How long to wait for an approval decision, and what a timeout means (see the config's `approval`). */
export interface ApprovalPlan {
    timeoutInMs: number;
    /** `approve` only when the config says so explicitly; the default is `reject`. */
    onTimeout: 'reject' | 'approve';
    /**
     * How often the wait reads the claimed decision back from the run store, in case the route
     * claimed it but died before raising the event (the event is a hint; the claim is the decision).
     * Absent in plans recorded before it existed: those waits take the event alone, so they replay.
     */
    decisionCheckEveryInMs?: number;
}

/**
 * The payload of the approval event the approve/reject routes raise (`approvalEventName(runId)`).
 * `at` is when the route accepted the decision (ISO); the route checked the approver already.
 */
export interface ApprovalDecisionEvent {
    decision: 'approve' | 'reject';
    by: string;
    why: string;
    at: string;
}

/**
 * The approval step's outcome as the run record keeps it: who decided what, when and why, or that
 * the deadline passed and what the timeout policy made of it (`outcome`).
 */
export interface ApprovalRecord {
    decision: 'approve' | 'reject' | 'timeout';
    /** What the run did next: promote (`approved`) or end Rejected (`rejected`). */
    outcome: 'approved' | 'rejected';
    /** Who decided (absent for a timeout). */
    by?: string;
    why?: string;
    /** When the decision was made (the route's clock), or the deadline for a timeout; ISO. */
    at: string;
    /** When the wait began and when it would time out (orchestration clock, ISO). */
    since: string;
    until: string;
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
    /**
     * Files that could train but the target's data policy or data state left out: excluded by a
     * person, quarantined after a Rejected run, or outside the window (see `retraining/dataPolicy.ts`).
     */
    leftOut?: LeftOutBlob[];
}

/** A file that could train, left out of a run, and why. */
export interface LeftOutBlob {
    name: string;
    etag: string;
    why: 'excluded' | 'quarantined' | 'window';
    /** One line for people. */
    reason: string;
    /** Excluded: who and when (ISO). Quarantined: when. */
    by?: string;
    at?: string;
    /** Quarantined: the Rejected run whose data it was. */
    runId?: string;
}

/** Which data a run would train on: the target's data pattern, or the files an HTTP trigger named. */
export interface SnapshotInput {
    target: string;
    trigger: RunTrigger;
}

/** A BES job of a target, for a status read or a cancel. */
export interface JobRef {
    target: string;
    jobId: string;
}

export interface EvaluateInput {
    target: string;
    runId: string;
    job: SubmittedJob;
}

/** A promotion to check (verify) or to undo (rollback). */
export interface VerifyInput {
    target: string;
    runId: string;
    promotion: Promotion;
}

export type RollbackInput = VerifyInput;

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
    /**
     * BES jobs submitted for this run but never started: a copy of the submit step died after
     * sending the submit and before recording BES's answer, so the copy that took over submitted
     * again. Absent when there were none (the normal case).
     */
    unstartedSubmits?: number;
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

export type FinalState = 'Promoted' | 'Rejected' | 'Failed' | 'RolledBack' | 'Skipped' | 'Cancelled';

/**
 * Why a run ended Cancelled: a person asked it to stop (`requested`, through the cancel route), or
 * the instance was terminated from outside and the next trigger or the catch-up pass recorded it
 * on its behalf (`terminated`: the run itself never saw it).
 */
export interface CancellationRecord {
    kind: 'requested' | 'terminated';
    /** Who asked (requested), or `terminated from outside` (terminated). */
    by: string;
    /** When the request was made, or when the instance was terminated (ISO). */
    at: string;
    why?: string;
    /** The step the run was at when it stopped. */
    step: string;
    /** The BES job the run had running, and whether cancelling it succeeded (`cancelled`) or not. */
    job?: { jobId: string; outcome: 'cancelled' | 'cancel-failed'; detail?: string };
    /**
     * `false` when the request reached the run only after it had begun to promote (the route had
     * seen an earlier step): the run went on and ended in its own state, and `step` is where the
     * request found it. Absent when the request stopped the run (state Cancelled).
     */
    honoured?: false;
    /** Why a request was not honoured, one line for people (only with `honoured: false`). */
    declined?: string;
}

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
    /**
     * Verification failed and so did the rollback: the endpoint may be serving this run's model,
     * which failed its checks, instead of the champion's. GET /api/targets (`unverifiedModel`) and
     * `retrainer status` say so until a later run changes the endpoint.
     */
    rollbackFailed?: boolean;
    /** The approval decision, for a target whose plan asks for one and a run that passed the gate. */
    approval?: ApprovalRecord;
    /**
     * Started with `force` over data an earlier run already judged (`manifest.previousRunId`), so it
     * trained and was judged again instead of ending Skipped.
     */
    forced?: boolean;
    /**
     * Who stopped the run, when and at which step, for a Cancelled run; for a run that a request
     * reached too late to stop, the request with `honoured: false`.
     */
    cancellation?: CancellationRecord;
    /** An Azure ML v2 target's rollout: model version, deployment, traffic steps and their checks. */
    rollout?: RolloutRecord;
    /** Step name -> ISO time the step started, from the orchestration clock. */
    timings: Record<string, string>;
}

export type Step =
    | 'debouncing'
    | 'collecting'
    | 'submitting'
    | 'training'
    | 'evaluating'
    /** Passed the gate; waits for a person's decision (or the deadline) before promoting. */
    | 'awaiting-approval'
    | 'promoting'
    /** Azure ML v2: registering the model version, creating the new deployment, golden rows against it. */
    | 'registering-model'
    | 'deploying'
    | 'checking-deployment'
    /** Azure ML v2: setting a traffic step, then baking it (live checks at the end of the bake). */
    | 'shifting-traffic'
    | 'baking'
    /** Azure ML v2: deleting deployments beyond `keepDeployments` after a promotion. */
    | 'retiring'
    | 'verifying'
    | 'rolling-back'
    | 'recording'
    /** The run is recorded; a fresh look at the data decides whether another run follows at once. */
    | 'checking-for-new-data'
    | 'done';

export interface CustomStatus {
    step: Step;
    /**
     * When this execution of the instance began (orchestration clock, ISO). Continue-as-new keeps
     * the instance id, so the cancel route tells one run's requests from the next's by it. Absent
     * from statuses set before it existed, and from the final look for new data.
     */
    startedAt?: string;
    runId?: string;
    jobId?: string;
    since: string;
    /** While `awaiting-approval`: the deadline (ISO), after which the timeout policy decides. */
    until?: string;
    /**
     * While `awaiting-approval`: the challenger's metrics and the champion's it was judged against
     * (null: no champion yet), so an approver sees what they decide on before the run is recorded.
     */
    judged?: { metrics: Record<string, number>; champion: { runId: string; metrics: Record<string, number> } | null };
}
