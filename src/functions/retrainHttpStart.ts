import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { instanceIdFor, liveStatus, RETRAIN_ORCHESTRATOR } from './shared/startRetrain';

interface RetrainBody {
    blobNames?: string[];
    globalParameters?: Record<string, string>;
}

function parseBody(raw: unknown): RetrainBody | string {
    if (raw === undefined || raw === null) return {};
    if (typeof raw !== 'object' || Array.isArray(raw)) return 'the body must be a JSON object';
    const b = raw as Record<string, unknown>;
    const extra = Object.keys(b).filter((k) => k !== 'blobNames' && k !== 'globalParameters');
    if (extra.length > 0) return `unknown field(s): ${extra.join(', ')}`;
    if (
        b.blobNames !== undefined &&
        (!Array.isArray(b.blobNames) || !b.blobNames.every((n) => typeof n === 'string' && n))
    ) {
        return "'blobNames' must be an array of blob names";
    }
    if (b.globalParameters !== undefined) {
        const gp = b.globalParameters;
        if (
            typeof gp !== 'object' ||
            gp === null ||
            Array.isArray(gp) ||
            !Object.values(gp).every((v) => typeof v === 'string')
        ) {
            return "'globalParameters' must be an object of string values";
        }
    }
    return b;
}

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
    const body = parseBody(raw);
    if (typeof body === 'string') return { status: 400, jsonBody: { error: body } };
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
