import { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import type { ActivityDeps } from '../../activities/deps';
import { runtimeDeps } from '../../activities/runtime';
import { ApprovalDecisionEvent, approvalEventName, ApprovalRecord, CustomStatus } from '../../orchestrators/contracts';
import type { TargetConfig } from '../../retraining/configSchema';
import { ClientPrincipal, principalOf } from './clientPrincipal';
import { decisionBodySchema, parseJsonBody } from './requestSchemas';
import { liveStatus } from './startRetrain';

/** Where a run is: waiting for a decision, at another step of a live instance, or recorded. */
interface FoundRun {
    target: TargetConfig;
    instanceId: string;
    waiting: boolean;
    /** The live step (e.g. `training`) or the recorded final state (e.g. `Promoted`). */
    state: string;
    /** What the run record says the approval step decided, once the run is recorded. */
    recorded?: ApprovalRecord;
}

/**
 * Finds run `runId` among the targets: first the live instances (`retrain-{target}`), whose
 * custom status names the run they work on, then the stored run records.
 */
async function findRun(deps: ActivityDeps, client: df.DurableClient, runId: string): Promise<FoundRun | undefined> {
    for (const target of deps.config.targets) {
        const live = await liveStatus(client, target.name);
        const status = live?.customStatus as Partial<CustomStatus> | null | undefined;
        if (live && status?.runId === runId) {
            const step = status.step ?? String(live.runtimeStatus);
            if (step === 'awaiting-approval')
                return { target, instanceId: live.instanceId, waiting: true, state: step };
            // Past its record (looking for new data): the recorded outcome says more than the step.
            const record = await deps.runs.getRun(target.name, runId);
            return {
                target,
                instanceId: live.instanceId,
                waiting: false,
                state: record?.state ?? step,
                ...(record?.approval ? { recorded: record.approval } : {}),
            };
        }
    }
    for (const target of deps.config.targets) {
        const record = await deps.runs.getRun(target.name, runId);
        if (record) {
            return {
                target,
                instanceId: record.instanceId,
                waiting: false,
                state: record.state,
                ...(record.approval ? { recorded: record.approval } : {}),
            };
        }
    }
    return undefined;
}

/** Does the caller (App Service's principal, else the body's `by`) appear among the approvers? */
function allowed(target: TargetConfig, principal: ClientPrincipal | undefined, by: string): boolean {
    const approvers = target.approval?.approvers ?? [];
    if (approvers.length === 0) return true;
    const identity = principal ? [principal.name, ...principal.roles] : [by];
    const lower = new Set(identity.map((i) => i.toLowerCase()));
    return approvers.some((a) => lower.has(a.toLowerCase()));
}

const same = (a: ApprovalDecisionEvent, b: Pick<ApprovalDecisionEvent, 'decision' | 'by' | 'why'>): boolean =>
    a.decision === b.decision && a.by === b.by && a.why === b.why;

/**
 * The handler of POST /api/runs/{runId}/approve or /reject, for `decision`. Answers:
 * 202 `{ runId, target, decision, by, why, at }` when the decision is recorded and sent to the run
 * (the same 202, same body, for an identical retry: a decision counts once); 400 for a bad body;
 * 401 for an unreadable `x-ms-client-principal`; 403 when the caller is not an approver; 404 for
 * an unknown run; 409 `{ error, runId, target, state }` when the run is not waiting for approval
 * or another decision was recorded first. The decision is claimed with a create-only blob keyed by
 * the run before the event is raised, so two racing decisions cannot both count.
 */
export function decisionHandler(
    decision: ApprovalDecisionEvent['decision'],
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
    return async (request, context) => {
        const runId = request.params.runId ?? '';
        const body = await parseJsonBody(request, decisionBodySchema);
        if (!body.ok) return { status: 400, jsonBody: { error: body.error } };
        const identity = principalOf(request);
        if (!identity.ok) return identity.response;
        const principal = identity.principal;

        const deps = runtimeDeps();
        const client = df.getClient(context);
        const found = await findRun(deps, client, runId);
        if (!found) return { status: 404, jsonBody: { error: `No run '${runId}' is known.` } };
        const target = found.target.name;
        // The authenticated identity, where the host gives one, is who decided.
        const by = principal?.name ?? body.value.by;
        const why = body.value.why;
        if (!allowed(found.target, principal, by)) {
            return { status: 403, jsonBody: { error: `'${by}' may not approve or reject runs of '${target}'.` } };
        }
        const answer = (d: ApprovalDecisionEvent): HttpResponseInit => ({
            status: 202,
            jsonBody: { runId, target, decision: d.decision, by: d.by, why: d.why, at: d.at },
        });
        const refused = (d: ApprovalDecisionEvent): HttpResponseInit => ({
            status: 409,
            jsonBody: {
                error: `Run ${runId} already has a decision: ${d.decision} by ${d.by} at ${d.at}.`,
                runId,
                target,
                state: found.state,
            },
        });
        const raise = async (d: ApprovalDecisionEvent): Promise<void> => {
            await client.raiseEvent(found.instanceId, approvalEventName(runId), d);
            context.log(`Run ${runId} of '${target}': ${d.decision} by ${d.by}.`);
        };

        const existing = await deps.runs.getDecision(target, runId);
        if (existing) {
            if (!same(existing, { decision, by, why })) return refused(existing);
            // Claimed, but the event never reached the run before its deadline (the request died
            // before raising it and was not retried in time): the record, not the claim, is the outcome.
            if (found.recorded && found.recorded.decision !== existing.decision) {
                return {
                    status: 409,
                    jsonBody: {
                        error: `Run ${runId} of '${target}' ended by ${found.recorded.decision} before this decision reached it: it is ${found.state}.`,
                        runId,
                        target,
                        state: found.state,
                    },
                };
            }
            // A retry of a request that may have died between the claim and the event: send it again
            // while the run still waits (the run takes one event; a second one is never read).
            if (found.waiting) await raise(existing);
            return answer(existing);
        }
        if (!found.waiting) {
            return {
                status: 409,
                jsonBody: {
                    error: `Run ${runId} of '${target}' is not waiting for approval: it is ${found.state}.`,
                    runId,
                    target,
                    state: found.state,
                },
            };
        }
        const claim = await deps.runs.claimDecision(target, runId, {
            decision,
            by,
            why,
            at: new Date().toISOString(),
        });
        if (!claim.created && !same(claim.decision, { decision, by, why })) return refused(claim.decision);
        await raise(claim.decision);
        return answer(claim.decision);
    };
}
