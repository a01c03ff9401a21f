import * as df from 'durable-functions';

import { callActivity } from './callActivity';
import { callClaimed, ClaimedKey } from './claims';
import {
    ActivityInput,
    CheckDeploymentInput,
    LiveCheck,
    ModelLocation,
    OperationProgress,
    OperationRef,
    RolloutPlan,
    RolloutRecord,
    Step,
    SubmittedJob,
} from './contracts';
import { reasonOf } from './messageOf';

type Ctx = df.OrchestrationContext;

/** What an Azure ML v2 rollout starts from: a run whose job passed the gate (and the approval). */
export interface RolloutRequest {
    target: string;
    runId: string;
    job: SubmittedJob;
    /** The run key: the hash of the run's canonical data, tagged on the model version. */
    dataHash: string;
    /** The first wait between asks of a claimed step another copy holds (the plan's first retry interval). */
    firstClaimWaitInMs: number;
}

/** How a rollout ended; `record` holds everything it did (also when it threw). */
export interface RolloutOutcome {
    state: 'Promoted' | 'RolledBack' | 'Failed';
    reason?: string;
    /** The registered model's job output, for the champion record (absent if none was registered). */
    modelUri?: string;
}

/**
 * Promotes a trained model on an Azure ML v2 managed online endpoint, SageMaker-style: register a
 * model version, create a new deployment beside the serving one, score the golden rows against it
 * alone (the `azureml-model-deployment` header) before it gets any traffic, then move traffic to it
 * in the plan's steps, each baked on a durable timer and judged by live checks (golden rows through
 * the endpoint, the deployment's error rate and latency over the bake). Any failed check sends the
 * traffic back to where it was and deletes the new deployment; success retires earlier deployments
 * beyond `keepDeployments`. Every long-running operation is begun by one activity and polled by
 * later ones on durable timers; every side effect is a claimed activity whose names derive from the
 * run, so a crash anywhere resumes without a second model version, deployment or traffic change.
 *
 * `record` is filled in as the rollout goes (the caller keeps it in the run record, so a rollout
 * that throws still leaves its trace). Throws only what an activity throws beyond its retries before
 * any deployment exists (registering the model, beginning the deployment); later failures roll back.
 */
export function* rolloutAzureMl(
    context: Ctx,
    plan: RolloutPlan,
    retry: df.RetryOptions,
    request: RolloutRequest,
    step: (name: Step) => void,
    record: RolloutRecord,
): Generator<df.Task, RolloutOutcome, unknown> {
    const { target, runId } = request;

    /** A claimed step of this run: the plan's retries, and the request's first wait while another copy holds it. */
    const claimed = <K extends ClaimedKey>(key: K, input: ActivityInput<K>) =>
        callClaimed(context, key, retry, input, request.firstClaimWaitInMs);

    step('registering-model');
    const model = yield* claimed('registerModel', { target, runId, job: request.job, dataHash: request.dataHash });
    record.model = model;
    const modelUri = model.modelUri;

    step('deploying');
    const begun = yield* claimed('beginDeployment', { target, runId, modelId: model.modelId });
    const fresh = begun.deployment;
    record.deployment = fresh;
    record.serving = begun.serving;
    record.trafficBefore = { ...begun.trafficBefore };

    /**
     * Deletes a deployment (its traffic at 0 already) and waits for the delete: 'gone' when there was
     * nothing to delete. A failure is noted in the record as `{doing} deployment '{name}' ...` and
     * returned as 'failed', never thrown: a deployment left behind must not undo what the run did.
     */
    const removeDeployment = function* (
        deployment: string,
        doing: string,
    ): Generator<df.Task, 'deleted' | 'gone' | 'failed', unknown> {
        try {
            const started = yield* claimed('deleteDeployment', { target, runId, deployment });
            if (!started.operation) return 'gone';
            const done = yield* settle(started.operation);
            if (done.status === 'Succeeded') return 'deleted';
            note(`${doing} deployment '${deployment}' ended ${done.status}: ${done.error ?? 'no details'}`);
        } catch (err) {
            note(`${doing} deployment '${deployment}' failed: ${reasonOf(err).reason}`);
        }
        return 'failed';
    };
    /** Deletes the new deployment (after its traffic went to 0); false when it may still be there. */
    const removeFresh = function* (): Generator<df.Task, boolean, unknown> {
        return (yield* removeDeployment(fresh, 'deleting')) !== 'failed';
    };
    const note = (text: string): void => {
        (record.notes ??= []).push(text);
    };

    /** Polls a begun operation on durable timers until it ends or the plan's operation timeout passes. */
    const settle = function* (operation: OperationRef): Generator<df.Task, OperationProgress, unknown> {
        const deadline = context.df.currentUtcDateTime.getTime() + plan.operationTimeoutInMs;
        let last: string;
        for (;;) {
            try {
                const progress = yield* callActivity(context, 'pollOperation', { target, operation }, retry);
                if (progress.status !== 'InProgress') return progress;
                last = 'InProgress';
            } catch (err) {
                // The service may be unreachable for a while: keep polling until the deadline.
                last = `unreadable (${reasonOf(err).reason})`;
            }
            const now = context.df.currentUtcDateTime.getTime();
            if (now >= deadline) {
                return {
                    status: 'Failed',
                    error: `no result within ${plan.operationTimeoutInMs} ms (last poll: ${last})`,
                };
            }
            yield context.df.createTimer(new Date(Math.min(now + plan.pollIntervalInMs, deadline)));
        }
    };

    /** Runs a check activity; a check that cannot run is a failed check (never a pass). */
    const check = function* (input: CheckDeploymentInput): Generator<df.Task, LiveCheck, unknown> {
        try {
            return yield* callActivity(context, 'checkDeployment', input, retry);
        } catch (err) {
            return { passed: false, reasons: [`The live checks could not run: ${reasonOf(err).reason}`] };
        }
    };

    /** Sets a traffic map and waits for it to take effect; a failure is returned, not thrown. */
    const shift = function* (
        label: string,
        traffic: Record<string, number>,
    ): Generator<df.Task, string | null, unknown> {
        try {
            const started = yield* claimed('setTraffic', { target, runId, label, traffic });
            if (!started.operation) return null;
            const done = yield* settle(started.operation);
            return done.status === 'Succeeded' ? null : `${done.status}: ${done.error ?? 'no details'}`;
        } catch (err) {
            return reasonOf(err).reason;
        }
    };

    /** Traffic back to what it was (the new deployment at 0), then the new deployment deleted. */
    const rollBack = function* (why: string): Generator<df.Task, RolloutOutcome, unknown> {
        step('rolling-back');
        const restored = yield* shift('rollback', { ...begun.trafficBefore, [fresh]: 0 });
        if (restored !== null) {
            return {
                state: 'Failed',
                reason: `${why}; setting the traffic back failed too (${restored}): deployment '${fresh}' still serves its share`,
                modelUri,
            };
        }
        const deleted = yield* removeFresh();
        record.rolledBack = true;
        return {
            state: 'RolledBack',
            reason: deleted ? why : `${why}; traffic is back, but deployment '${fresh}' could not be deleted`,
            modelUri,
        };
    };

    const created = yield* settle(begun.operation);
    if (created.status !== 'Succeeded') {
        const why = `Deployment '${fresh}' could not be created (${created.error ?? 'no details'})`;
        const deleted = yield* removeFresh();
        return { state: 'Failed', reason: deleted ? why : `${why}; deleting it failed too`, modelUri };
    }

    step('checking-deployment');
    const golden = yield* check({ target, runId, deployment: fresh, via: 'deployment' });
    record.preTraffic = golden;
    if (!golden.passed) {
        const why = `Deployment '${fresh}' failed its golden rows before any traffic: ${golden.reasons.join('; ')}`;
        const deleted = yield* removeFresh();
        record.rolledBack = true;
        return {
            state: 'RolledBack',
            reason: deleted ? why : `${why}; deleting it failed too`,
            modelUri,
        };
    }

    // Without a serving deployment there is nothing to split with: the new one takes all traffic at once.
    const serving = begun.serving;
    const steps = serving ? plan.stepsInPercent : [100];
    for (const percent of steps) {
        step('shifting-traffic');
        const traffic: Record<string, number> =
            serving && percent < 100 ? { [serving]: 100 - percent, [fresh]: percent } : { [fresh]: 100 };
        const failed = yield* shift(String(percent), traffic);
        if (failed !== null) return yield* rollBack(`Setting ${percent}% traffic on '${fresh}' failed (${failed})`);

        step('baking');
        const fromMs = context.df.currentUtcDateTime.getTime();
        const entry: RolloutRecord['steps'][number] = { percent, at: new Date(fromMs).toISOString() };
        record.steps.push(entry);
        yield context.df.createTimer(new Date(fromMs + plan.bakeInMs));
        // A zero-length bake still judges a (1 ms) window: the metrics contract needs toMs > fromMs.
        const toMs = Math.max(context.df.currentUtcDateTime.getTime(), fromMs + 1);
        const live = yield* check({ target, runId, deployment: fresh, via: 'endpoint', window: { fromMs, toMs } });
        entry.check = live;
        if (!live.passed) {
            return yield* rollBack(
                `Live checks failed at ${percent}% traffic on '${fresh}': ${live.reasons.join('; ')}`,
            );
        }
    }

    step('retiring');
    for (const old of begun.earlier.slice(plan.keepDeployments)) {
        // The new model serves all traffic already: a deployment left behind is noted, not a failure;
        // one already gone (an earlier run retired it) is not recorded as retired by this run.
        if ((yield* removeDeployment(old, 'retiring')) === 'deleted') record.retired.push(old);
    }
    return { state: 'Promoted', modelUri };
}

/**
 * A datastore URI `azureml://datastores/{name}/paths/{path}` as a ModelLocation (the datastore's
 * root, and the path under it), the shape run records and champions keep for every kind of target.
 */
export function azureMlModelLocation(uri: string): ModelLocation {
    const m = /^(azureml:\/\/datastores\/[^/]+\/paths\/)(.*)$/.exec(uri);
    return m ? { baseLocation: m[1], relativeLocation: m[2] } : { baseLocation: '', relativeLocation: uri };
}
