import * as df from 'durable-functions';

import { awaitApproval, rejectionReason } from './approval';
import { callActivity } from './callActivity';
import { CancelWatch, RunCancelledSignal } from './cancellation';
import {
    CancellationRecord,
    CancelRequestEvent,
    CustomStatus,
    DATA_ARRIVED_EVENT,
    FinalState,
    JobStatus,
    Promotion,
    RetrainInput,
    RolloutRecord,
    RunRecord,
    Step,
    TargetPlan,
} from './contracts';
import { quietUntilFromOutbox, takeArrivals } from './arrivals';
import { callClaimed } from './claims';
import { followUpTrigger } from './followUp';
import { skipReason } from './intakeNotes';
import { messageOf, reasonOf } from './messageOf';
import { azureMlModelLocation, rolloutAzureMl } from './rollout';
import { verifyPromotion } from './verification';

type Ctx = df.OrchestrationContext;

const TERMINAL: ReadonlySet<string> = new Set(['Failed', 'Cancelled', 'Finished']);

/**
 * One retrain of one target, start to finish. One live instance per target (the instance id is
 * derived from the target), so two retrains of one model never race. Every wait is a durable timer
 * or event; every side effect is an activity, so a crash at any point resumes from history.
 */
export function* retrainOrchestrator(context: Ctx): Generator<df.Task, RunRecord, unknown> {
    const input = context.df.getInput<RetrainInput>();
    // The first episode's clock: committed before any episode that can act on it.
    const startedAt = context.df.currentUtcDateTime;
    const plan = yield* callActivity(context, 'loadPlan', input.target);
    const retry = new df.RetryOptions(plan.activityRetry.firstRetryIntervalInMs, plan.activityRetry.maxAttempts);
    retry.backoffCoefficient = 2;
    const watch = new CancelWatch(context, plan.cancellable === true, startedAt.toISOString());

    const record: RunRecord = {
        target: input.target,
        runId: '',
        instanceId: context.df.instanceId,
        trigger: input.trigger,
        state: 'Failed',
        timings: {},
    };
    // Where the run was when a request too late to act on reached it (see CancelWatch.late): the
    // step it was in when the next step began, since the request arrived during that step.
    let current: Step | undefined;
    let lateAt: Step | undefined;
    const step = (name: Step): void => {
        if (lateAt === undefined && current !== undefined && watch.late()) lateAt = current;
        current = name;
        const since = context.df.currentUtcDateTime.toISOString();
        record.timings[name] = since;
        context.df.setCustomStatus(statusOf(record, name, since, startedAt));
    };
    let recording = false;
    const finish = function* (
        state: FinalState,
        reason?: string,
        detail?: string,
    ): Generator<df.Task, RunRecord, unknown> {
        record.state = state;
        if (reason !== undefined) record.reason = reason;
        if (detail !== undefined) record.reasonDetail = detail;
        const late = state === 'Cancelled' ? undefined : watch.late();
        if (late) record.cancellation = declinedCancellation(late, lateAt ?? current ?? 'promoting');
        step('recording');
        recording = true;
        yield* callActivity(context, 'record', record, retry);
        step('done');
        return record;
    };

    let done: RunRecord;
    try {
        done = yield* runSteps(context, input, plan, retry, record, step, finish, watch, startedAt);
    } catch (err) {
        // An activity failed beyond its retries: the run still ends recorded, naming the step.
        if (recording) throw err;
        if (err instanceof RunCancelledSignal) {
            done = yield* cancelRun(context, plan, retry, input, record, err.request, startedAt, finish);
            return yield* afterRecord(context, retry, input, plan, done, startedAt);
        }
        const at = Object.keys(record.timings).at(-1) ?? 'starting';
        if (!record.runId)
            record.runId = runIdFor(plan.stableRunId ? startedAt : context.df.currentUtcDateTime, 'failed');
        const { reason, detail } = reasonOf(err);
        done = yield* finish('Failed', `Step '${at}' failed: ${reason}`, detail);
    }
    return yield* afterRecord(context, retry, input, plan, done, startedAt);
}

/** After the record: a fresh look for data that arrived meanwhile, which continues as a new run. */
function* afterRecord(
    context: Ctx,
    retry: df.RetryOptions,
    input: RetrainInput,
    plan: TargetPlan,
    done: RunRecord,
    startedAt: Date,
): Generator<df.Task, RunRecord, unknown> {
    const next = yield* followUpTrigger(context, retry, input, done, plan.outbox === true);
    if (next) {
        // Same instance id, fresh history: the new run debounces like any blob-triggered one.
        const again: RetrainInput = { target: input.target, trigger: next };
        context.df.continueAsNew(again);
    } else {
        // Back to 'done' after the look for new data; the stored record keeps its timings.
        context.df.setCustomStatus(statusOf(done, 'done', done.timings.done ?? '', startedAt));
    }
    return done;
}

function statusOf(record: RunRecord, step: Step, since: string, startedAt: Date): CustomStatus {
    const status: CustomStatus = { step, startedAt: startedAt.toISOString(), since };
    if (record.runId) status.runId = record.runId;
    if (record.job) status.jobId = record.job.jobId;
    return status;
}

function* runSteps(
    context: Ctx,
    input: RetrainInput,
    plan: TargetPlan,
    retry: df.RetryOptions,
    record: RunRecord,
    step: (name: Step) => void,
    finish: Finish,
    watch: CancelWatch,
    startedAt: Date,
): Generator<df.Task, RunRecord, unknown> {
    if (input.trigger.kind === 'blob') {
        step('debouncing');
        yield* debounce(context, plan, retry, watch);
    }

    step('collecting');
    if (plan.outbox) yield* takeArrivals(context, retry, input.target);
    const collectingAt = context.df.currentUtcDateTime;
    const manifest = yield* callActivity(
        context,
        'snapshotManifest',
        { target: input.target, trigger: input.trigger },
        retry,
    );
    record.manifest = manifest;
    record.runId = runIdFor(plan.stableRunId ? collectingAt : context.df.currentUtcDateTime, manifest.runKey);
    // A refused file never fails a run: it is named in the reason of the run it would have started.
    if (manifest.blobs.length === 0) {
        return yield* finish('Skipped', skipReason('No training data found for the target.', manifest, input.trigger));
    }
    const forced = input.trigger.kind === 'http' && input.trigger.force === true;
    if (manifest.previousRunId && forced) record.forced = true;
    else if (manifest.previousRunId && !(input.trigger.kind === 'timer' && plan.retrainOnScheduleWithoutNewData)) {
        const why = `The same data was already used by run ${manifest.previousRunId}.`;
        return yield* finish('Skipped', skipReason(why, manifest, input.trigger));
    }

    step('submitting');
    const globalParameters = input.trigger.kind === 'http' ? (input.trigger.globalParameters ?? {}) : {};
    const submitted = yield* callClaimed(
        context,
        'submitJob',
        retry,
        { target: input.target, runId: record.runId, manifest, globalParameters },
        plan.activityRetry.firstRetryIntervalInMs,
    );
    if ('refused' in submitted) return yield* finish('Failed', submitted.refused.reason, submitted.refused.detail);
    const job = submitted;
    record.job = job;

    step('training');
    const status = yield* pollJob(context, plan, retry, input.target, job.jobId, watch);
    record.job = { ...job, finalStatus: status };
    if (status.state !== 'Finished') {
        return yield* finish(
            'Failed',
            `Training job ${job.jobId} ended ${status.state}: ${status.details ?? 'no details'}`,
        );
    }

    step('evaluating');
    const verdict = yield* callActivity(context, 'evaluate', { target: input.target, runId: record.runId, job }, retry);
    record.verdict = verdict;
    if (!verdict.passed) return yield* finish('Rejected', verdict.reasons.join('; '));

    // Gated on the plan field: plans without it (and older histories) go straight to promotion.
    if (plan.approval) {
        // Not step(): awaitApproval sets the status itself, with the deadline in it.
        const since = context.df.currentUtcDateTime.toISOString();
        record.timings['awaiting-approval'] = since;
        const approval = yield* awaitApproval(
            context,
            plan.approval,
            input.target,
            record.runId,
            {
                ...statusOf(record, 'awaiting-approval', since, startedAt),
                judged: {
                    metrics: verdict.metrics,
                    champion: verdict.comparedTo
                        ? { runId: verdict.comparedTo.runId, metrics: verdict.comparedTo.metrics }
                        : null,
                },
            },
            watch,
        );
        record.approval = approval;
        if (approval.outcome !== 'approved') return yield* finish('Rejected', rejectionReason(approval));
    }

    // The last point a cancel request can stop the run: promotion, verification and rollback run
    // to their end, since stopping among them could leave the endpoint half-changed.
    yield* watch.checkpoint();

    if (plan.rollout) {
        // Azure ML v2: a new deployment and stepped traffic instead of promote/verify.
        const rollout: RolloutRecord = { steps: [], retired: [] };
        record.rollout = rollout;
        const outcome = yield* rolloutAzureMl(
            context,
            plan.rollout,
            retry,
            {
                target: input.target,
                runId: record.runId,
                job,
                dataHash: manifest.runKey,
                firstClaimWaitInMs: plan.activityRetry.firstRetryIntervalInMs,
            },
            step,
            rollout,
        );
        if (outcome.state === 'Promoted' && outcome.modelUri)
            record.promotion = {
                before: verdict.comparedTo?.model ?? null,
                after: azureMlModelLocation(outcome.modelUri),
            };
        return yield* finish(outcome.state, outcome.reason);
    }

    step('promoting');
    let promotion: Promotion;
    try {
        promotion = yield* callClaimed(
            context,
            'promote',
            retry,
            {
                target: input.target,
                runId: record.runId,
                model: job.modelOutput,
                expectedChampionRunId: verdict.comparedTo?.runId ?? null,
            },
            plan.activityRetry.firstRetryIntervalInMs,
        );
    } catch (err) {
        // The promote activity restores the endpoint itself before it gives up, so nothing to undo.
        // One line for people (the engine appends the activity's stack trace to its message).
        const { reason, detail } = reasonOf(err);
        return yield* finish('Failed', `Promotion failed: ${reason}`, detail);
    }
    record.promotion = promotion;

    step('verifying');
    const verification = yield* verifyPromotion(context, plan, retry, {
        target: input.target,
        runId: record.runId,
        promotion,
    });
    record.verification = verification;
    if (verification.passed) return yield* finish('Promoted');

    step('rolling-back');
    try {
        yield* callClaimed(
            context,
            'rollback',
            retry,
            { target: input.target, runId: record.runId, promotion },
            plan.activityRetry.firstRetryIntervalInMs,
        );
    } catch (err) {
        const { reason, detail } = reasonOf(err);
        record.rollbackFailed = true;
        return yield* finish(
            'Failed',
            `Verification failed (${verification.reasons.join('; ')}) and the rollback failed too: ${reason}`,
            detail,
        );
    }
    return yield* finish('RolledBack', verification.reasons.join('; '));
}

/** Waits until no file has arrived for the quiet period, but never longer than the max wait. */
function* debounce(
    context: Ctx,
    plan: TargetPlan,
    retry: df.RetryOptions,
    watch: CancelWatch,
): Generator<df.Task, void, unknown> {
    const started = context.df.currentUtcDateTime.getTime();
    const hardStop = started + plan.maxWaitInMs;
    let quietUntil = started + plan.quietPeriodInMs;
    for (;;) {
        const wakeAt = new Date(Math.min(quietUntil, hardStop));
        const { index, tasks } = yield* watch.any(() => [
            context.df.createTimer(wakeAt),
            context.df.waitForExternalEvent(DATA_ARRIVED_EVENT),
        ]);
        const [timer] = tasks;
        if (index === 0) {
            if (!plan.outbox) return;
            // The event is only a hint (dropped for a Pending instance, for one): the outbox decides.
            const later = yield* quietUntilFromOutbox(context, retry, plan.target, plan.quietPeriodInMs);
            if (later === undefined || context.df.currentUtcDateTime.getTime() >= hardStop) return;
            quietUntil = later;
            continue;
        }
        timer.cancel();
        const now = context.df.currentUtcDateTime.getTime();
        if (now >= hardStop) return;
        quietUntil = now + plan.quietPeriodInMs;
    }
}

/** Polls the BES job on durable timers with backoff; cancels it when the deadline passes. */
function* pollJob(
    context: Ctx,
    plan: TargetPlan,
    retry: df.RetryOptions,
    target: string,
    jobId: string,
    watch: CancelWatch,
): Generator<df.Task, JobStatus, unknown> {
    const deadline = context.df.currentUtcDateTime.getTime() + plan.jobDeadlineInMs;
    let interval = plan.pollInitialIntervalInMs;
    let last: string;
    for (;;) {
        try {
            const status = yield* callActivity(context, 'getJobStatus', { target, jobId }, retry);
            if (TERMINAL.has(status.state)) return status;
            last = status.state;
        } catch (err) {
            // The service may be down for a while: keep polling until the deadline.
            last = `unreadable (${reasonOf(err).reason})`;
        }
        const now = context.df.currentUtcDateTime.getTime();
        if (now >= deadline) {
            try {
                yield* callActivity(context, 'cancelJob', { target, jobId }, retry);
            } catch (err) {
                return {
                    state: 'Failed',
                    details: `Deadline of ${plan.jobDeadlineInMs} ms exceeded while the job was ${last}; cancelling it failed: ${reasonOf(err).reason}`,
                };
            }
            return {
                state: 'Failed',
                details: `Deadline of ${plan.jobDeadlineInMs} ms exceeded while the job was ${last}; the job was cancelled.`,
            };
        }
        const wakeAt = new Date(Math.min(now + interval, deadline));
        if (plan.cancellable) yield* watch.any(() => [context.df.createTimer(wakeAt)]);
        else yield context.df.createTimer(wakeAt);
        interval = Math.min(interval * 2, plan.pollMaxIntervalInMs);
    }
}

type Finish = (state: FinalState, reason?: string, detail?: string) => Generator<df.Task, RunRecord, unknown>;

/**
 * Ends the run Cancelled, as `request` asked: cancels the BES job it had running (the run is over
 * whatever the service answers, so a failed cancel is recorded, not retried forever), and when it
 * was cancelled before it listed its data, lists it now (taking the outbox first), so the record
 * names the data and neither the final look nor the catch-up pass starts that data again.
 */
function* cancelRun(
    context: Ctx,
    plan: TargetPlan,
    retry: df.RetryOptions,
    input: RetrainInput,
    record: RunRecord,
    request: CancelRequestEvent,
    startedAt: Date,
    finish: Finish,
): Generator<df.Task, RunRecord, unknown> {
    const at = Object.keys(record.timings).at(-1) ?? 'starting';
    const cancellation: CancellationRecord = {
        kind: 'requested',
        by: request.by,
        at: request.at,
        ...(request.why ? { why: request.why } : {}),
        step: at,
    };
    let detail: string | undefined;
    if (record.job && !record.job.finalStatus) {
        const jobId = record.job.jobId;
        try {
            yield* callActivity(context, 'cancelJob', { target: input.target, jobId }, retry);
            cancellation.job = { jobId, outcome: 'cancelled' };
        } catch (err) {
            const why = reasonOf(err).reason;
            cancellation.job = { jobId, outcome: 'cancel-failed', detail: why };
            detail = `The training job ${jobId} could not be cancelled: ${why}`;
        }
    }
    if (!record.manifest) {
        if (plan.outbox) yield* takeArrivals(context, retry, input.target);
        try {
            record.manifest = yield* callActivity(
                context,
                'snapshotManifest',
                { target: input.target, trigger: input.trigger },
                retry,
            );
        } catch (err) {
            if (!context.df.isReplaying) context.warn(`Could not list the data of a cancelled run: ${messageOf(err)}`);
        }
    }
    if (!record.runId) {
        const stamp = plan.stableRunId ? startedAt : context.df.currentUtcDateTime;
        record.runId = runIdFor(stamp, record.manifest?.runKey ?? 'cancelled');
    }
    record.cancellation = cancellation;
    const why = request.why ? `: ${request.why}` : '.';
    return yield* finish('Cancelled', `Cancelled by ${request.by} while ${at}${why}`, detail);
}

/**
 * A cancel request that reached the run after it had begun to promote: the route had seen an
 * earlier step and accepted it (202), then the run moved past its last checkpoint before the
 * request arrived. It cannot stop the run any more, but the record keeps it, so the person who asked
 * sees that the request arrived and why it did not stop the run.
 */
function declinedCancellation(request: CancelRequestEvent, at: Step): CancellationRecord {
    return {
        kind: 'requested',
        by: request.by,
        at: request.at,
        ...(request.why ? { why: request.why } : {}),
        step: at,
        honoured: false,
        declined: `Too late: the run was already ${at} (past the last point a run can stop), so it went on.`,
    };
}

/** Sortable, unique per target and data: the orchestration clock plus the run key. */
export function runIdFor(now: Date, runKey: string): string {
    // Milliseconds kept: a target can run twice in one second (a skip, then a real run).
    const stamp = now.toISOString().replace(/[-:.]/g, '');
    return `${stamp}-${runKey.slice(0, 12)}`;
}
