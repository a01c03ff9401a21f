import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { parseRequest, retrainBodySchema } from './shared/requestSchemas';
import { instanceIdFor, liveStatus, RETRAIN_ORCHESTRATOR } from './shared/startRetrain';

/** POST /api/retrain/{target}: starts a retrain now and answers with the check-status links. */
export async function retrainHttpStart(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const target = request.params.target ?? '';
    if (!runtimeDeps().config.targets.some((t) => t.name === target)) {
        return { status: 404, jsonBody: { error: `Unknown target '${target}'.` } };
    }
    const text = await request.text();
    let raw: unknown;
    try {
        raw = text.trim() ? (JSON.parse(text) as unknown) : undefined;
    } catch {
        return { status: 400, jsonBody: { error: 'The body is not valid JSON.' } };
    }
    const parsed = parseRequest(retrainBodySchema, raw ?? {});
    if (!parsed.ok) return { status: 400, jsonBody: { error: parsed.error } };
    const body = parsed.value;
    const client = df.getClient(context);
    const instanceId = instanceIdFor(target);
    if (await liveStatus(client, target)) {
        return { status: 409, jsonBody: { error: `A retrain of '${target}' is already in flight.`, instanceId } };
    }
    try {
        await client.startNew(RETRAIN_ORCHESTRATOR, {
            instanceId,
            input: { target, trigger: { kind: 'http', ...body } },
        });
    } catch {
        return { status: 409, jsonBody: { error: `A retrain of '${target}' is already in flight.`, instanceId } };
    }
    context.log(`Started ${instanceId} over HTTP.`);
    return client.createCheckStatusResponse(request, instanceId);
}

app.http('retrainHttpStart', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'retrain/{target}',
    extraInputs: [df.input.durableClient()],
    handler: retrainHttpStart,
});
