import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { outboxOf, runtimeDeps } from '../activities/runtime';
import { checkNamedBlobs, namedBlobsError } from './shared/namedBlobs';
import { parseJsonBody, retrainBodySchema } from './shared/requestSchemas';
import { StartOutcome, startWithProof } from './shared/startRetrain';
import { ownLinks } from './shared/ownLinks';
import { recordIfTerminated } from './shared/terminated';

/**
 * POST /api/retrain/{target}: starts a retrain now and answers 202 `{ id, target, statusUrl,
 * runsUrl }` (Location: statusUrl), links to this app's own API, which the caller's function key
 * opens. Not the Durable check-status links: those carry the extension's system key, which would
 * give any function-key holder the task hub's whole management API (terminate, purge, raise
 * events on any instance). 400 `{ error, invalid, foreign, missing, empty }` before any run when `blobNames` names a blob
 * that can be no target's training data (a `.`/`..`/empty segment, a backslash, a control
 * character), one outside the target's data pattern, one that does not exist, or an empty one.
 * 409 `{ error, instanceId, runtimeStatus, statusUrl, runsUrl }` when another run holds the target: proven by reading the
 * status back, since two racing starts can both be told 202. 503 when storage or the task hub does
 * not answer: an outage is never reported as a conflict.
 */
export async function retrainHttpStart(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const target = request.params.target ?? '';
    const deps = runtimeDeps();
    if (!deps.config.targets.some((t) => t.name === target)) {
        return { status: 404, jsonBody: { error: `Unknown target '${target}'.` } };
    }
    const parsed = await parseJsonBody(request, retrainBodySchema);
    if (!parsed.ok) return { status: 400, jsonBody: { error: parsed.error } };
    const body = parsed.value;
    const client = df.getClient(context);
    let won: StartOutcome;
    try {
        if (body.blobNames !== undefined) {
            // Named blobs are checked before the 202: a run over a missing or foreign blob could only fail.
            const config = deps.config.targets.find((t) => t.name === target)!;
            const data = deps.blobs.getContainerClient(config.data.container);
            const problems = await checkNamedBlobs(config, data, body.blobNames);
            const error = namedBlobsError(config, problems);
            if (error) return { status: 400, jsonBody: { error, ...problems } };
        }
        // The start replaces the instance: a run terminated from outside is recorded first.
        await recordIfTerminated(client, deps, target, (m) => context.log(m));
        await outboxOf(deps).append(target, { kind: 'http' });
        won = await startWithProof(client, target, { kind: 'http', ...body });
    } catch (err: unknown) {
        context.error(`Retrain of '${target}' over HTTP failed: ${err instanceof Error ? err.message : String(err)}`);
        return {
            status: 503,
            headers: { 'Retry-After': '10' },
            jsonBody: { error: `Storage or the durable task hub did not answer; try again. (${errorName(err)})` },
        };
    }
    if (won.outcome === 'live') {
        return {
            status: 409,
            jsonBody: {
                error: `A retrain of '${target}' is already in flight; this request's options were not used.`,
                instanceId: won.instanceId,
                runtimeStatus: won.status.runtimeStatus,
                ...ownLinks(request.url, target),
            },
        };
    }
    context.log(`Started ${won.instanceId} over HTTP.`);
    const links = ownLinks(request.url, target);
    return { status: 202, headers: { Location: links.statusUrl }, jsonBody: { id: won.instanceId, target, ...links } };
}

function errorName(err: unknown): string {
    return err instanceof Error ? err.name : 'error';
}

app.http('retrainHttpStart', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'retrain/{target}',
    extraInputs: [df.input.durableClient()],
    handler: retrainHttpStart,
});
