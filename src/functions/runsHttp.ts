import { app, HttpRequest, HttpResponseInit } from '@azure/functions';

import { runtimeDeps } from '../activities/runtime';

/** GET /api/runs[?target=&limit=]: run records, newest first. */
export async function runsHttp(request: HttpRequest): Promise<HttpResponseInit> {
    const deps = runtimeDeps();
    const target = request.query.get('target') ?? undefined;
    if (target !== undefined && !deps.config.targets.some((t) => t.name === target)) {
        return { status: 404, jsonBody: { error: `Unknown target '${target}'.` } };
    }
    const limitText = request.query.get('limit') ?? '50';
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        return { status: 400, jsonBody: { error: "'limit' must be an integer from 1 to 500." } };
    }
    return { status: 200, jsonBody: await deps.runs.listRuns(target, limit) };
}

app.http('runsHttp', { methods: ['GET'], authLevel: 'function', route: 'runs', handler: runsHttp });
