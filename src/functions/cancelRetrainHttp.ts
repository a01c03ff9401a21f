import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { CANCEL_EVENT, CancelRequestEvent, CustomStatus, Step } from '../orchestrators/contracts';
import { principalOf } from './shared/clientPrincipal';
import { cancelBodySchema, parseJsonBody } from './shared/requestSchemas';
import { liveStatus } from './shared/startRetrain';

/**
 * What a cancel request can do at each step, decided per step: `stops` (the run sees it at its next
 * wait, or at the checkpoint before promotion), `promoting` (it has begun to change the endpoint:
 * stopping among promotion, verification and rollback could leave it half-changed), `rollout` (an
 * Azure ML v2 rollout is under way: a new deployment is being made or is taking traffic), `ended`
 * (it is recording or done). A `Record` over every step, so a new step does not compile until it
 * is decided here.
 */
export const CANCEL_AT_STEP: Readonly<Record<Step, 'stops' | 'promoting' | 'rollout' | 'ended'>> = {
    debouncing: 'stops',
    collecting: 'stops',
    submitting: 'stops',
    training: 'stops',
    evaluating: 'stops',
    'awaiting-approval': 'stops',
    promoting: 'promoting',
    'registering-model': 'rollout',
    deploying: 'rollout',
    'checking-deployment': 'rollout',
    'shifting-traffic': 'rollout',
    baking: 'rollout',
    retiring: 'rollout',
    verifying: 'promoting',
    'rolling-back': 'promoting',
    recording: 'ended',
    'checking-for-new-data': 'ended',
    done: 'ended',
};

/** The 409 message for a step a request can no longer stop, or undefined when it still can. */
export function tooLateToCancel(target: string, step: Step): string | undefined {
    const verdict = Object.hasOwn(CANCEL_AT_STEP, step) ? CANCEL_AT_STEP[step] : 'stops';
    switch (verdict) {
        case 'stops':
            return undefined;
        case 'rollout':
            return `The run of '${target}' is ${step}: its rollout is under way, so it can no longer be cancelled; it rolls back by itself if a live check fails, and its record will say how it ended.`;
        case 'promoting':
        case 'ended':
            return `The run of '${target}' is ${step}: it can no longer be cancelled; its record will say how it ended.`;
    }
}

/** Who the record names when neither App Service Authentication nor the body names anyone. */
export const ANONYMOUS_CANCELLER = 'a function key holder';

/**
 * POST /api/retrain/{target}/cancel `{ by?, why? }`: asks the target's live run to stop. The run
 * sees the request at its next wait (debounce, job poll, approval) or at the latest before it
 * promotes, cancels its BES job and records Cancelled with who asked, when and why. Who: the
 * caller App Service Authentication signed in (`x-ms-client-principal`), else the body's `by`,
 * else {@link ANONYMOUS_CANCELLER} (the Node worker is not told which function key was used).
 * Answers 202 `{ target, instanceId, runId?, step, by, at, why? }` when the request was raised;
 * 200 `{ target, instanceId, runId?, step, alreadyRequested: { by, at, why? } }` when this run was
 * already asked (the first request stands and is raised again, in case the route that claimed it
 * died before raising it; this one is not raised, and its `why` is not recorded);
 * 400 for a bad body; 401 for an unreadable principal header; 404 for an unknown target; 409
 * `{ error, target, step? }` when no run is in flight, it is starting or suspended, or it has
 * begun to promote; 503 when the task hub does not answer.
 */
export async function cancelRetrainHttp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const target = request.params.target ?? '';
    const deps = runtimeDeps();
    if (!deps.config.targets.some((t) => t.name === target)) {
        return { status: 404, jsonBody: { error: `Unknown target '${target}'.` } };
    }
    const body = await parseJsonBody(request, cancelBodySchema);
    if (!body.ok) return { status: 400, jsonBody: { error: body.error } };
    const identity = principalOf(request);
    if (!identity.ok) return identity.response;
    const principal = identity.principal;
    const by = principal?.name ?? body.value.by ?? ANONYMOUS_CANCELLER;

    const client = df.getClient(context);
    const unavailable = (err: unknown): HttpResponseInit => {
        context.error(`Cancel of '${target}' failed: ${err instanceof Error ? err.message : String(err)}`);
        return {
            status: 503,
            headers: { 'Retry-After': '10' },
            jsonBody: { error: 'The durable task hub did not answer; try again.' },
        };
    };
    let live: df.DurableOrchestrationStatus | undefined;
    try {
        live = await liveStatus(client, target);
    } catch (err) {
        return unavailable(err);
    }
    if (!live) {
        return { status: 409, jsonBody: { error: `No run of '${target}' is in flight: nothing to cancel.`, target } };
    }
    const status = live.customStatus as Partial<CustomStatus> | null | undefined;
    const step = status?.step;
    const conflict = (error: string): HttpResponseInit => ({
        status: 409,
        jsonBody: { error, target, ...(step ? { step } : {}), ...(status?.runId ? { runId: status.runId } : {}) },
    });
    if (live.runtimeStatus === df.OrchestrationRuntimeStatus.Suspended) {
        return conflict(
            `The run of '${target}' is suspended: resume it to cancel it, or terminate it (the next trigger records it Cancelled).`,
        );
    }
    if (!step) return conflict(`The run of '${target}' is starting; try again in a few seconds.`);
    const tooLate = tooLateToCancel(target, step);
    if (tooLate) return conflict(tooLate);
    const event: CancelRequestEvent = {
        by,
        at: new Date().toISOString(),
        ...(body.value.why ? { why: body.value.why } : {}),
    };
    const where = {
        target,
        instanceId: live.instanceId,
        ...(status?.runId ? { runId: status.runId } : {}),
        step,
    };
    // One request per run: the first is claimed before it is raised, so a second one (the run may
    // be busy for a while before it sees the first) is told who asked first instead of being
    // accepted and dropped. A run whose status predates `startedAt` cannot be told apart from the
    // next run of the instance, so its requests are raised unclaimed, as before.
    const startedAt = status?.startedAt;
    const raise = (request: CancelRequestEvent) =>
        client.raiseEvent(live.instanceId, CANCEL_EVENT, startedAt ? { ...request, forExecution: startedAt } : request);
    if (startedAt) {
        let claim: { created: boolean; request: CancelRequestEvent };
        try {
            claim = await deps.runs.claimCancelRequest(target, live.instanceId, startedAt, event);
        } catch (err) {
            return unavailable(err);
        }
        if (!claim.created) {
            // Raised again, every time: a route that claimed the request and died (the process may
            // end at any point, and HTTP handlers are not retried) raised nothing, and no answer
            // from the task hub tells a lost event from one still queued (delivery has no deadline),
            // so a grace period could only guess. Raising again is safe instead: the run acts on the
            // first copy it receives and buffers the rest, and a copy names its execution, so one
            // that reaches a later run of the instance is ignored there (CancelWatch). The copy is
            // the first request, which stands.
            try {
                await raise(claim.request);
            } catch (err) {
                return unavailable(err);
            }
            context.log(
                `${live.instanceId} was already asked to stop by ${claim.request.by}; asked again on their behalf, not for ${by}.`,
            );
            return { status: 200, jsonBody: { ...where, alreadyRequested: claim.request } };
        }
    }
    try {
        await raise(event);
    } catch (err) {
        // Withdrawn, so that a retry asks again rather than being told the run was already asked.
        if (startedAt) await deps.runs.releaseCancelRequest(target, live.instanceId, startedAt).catch(() => undefined);
        return unavailable(err);
    }
    context.log(`Asked ${live.instanceId} (at '${step}') to stop, for ${by}.`);
    return { status: 202, jsonBody: { ...where, ...event } };
}

app.http('cancelRetrainHttp', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'retrain/{target}/cancel',
    extraInputs: [df.input.durableClient()],
    handler: cancelRetrainHttp,
});
