import { app, HttpRequest, HttpResponseInit } from '@azure/functions';

import { runtimeDeps } from '../activities/runtime';
import { parseRequest, runsQuerySchema } from './shared/requestSchemas';

/** GET /api/runs[?target=&limit=]: run records, newest first. */
export async function runsHttp(request: HttpRequest): Promise<HttpResponseInit> {
    const deps = runtimeDeps();
    // An unknown target is a 404 whatever the limit says, as before the schema.
    const named = request.query.get('target') ?? undefined;
    if (named !== undefined && !deps.config.targets.some((t) => t.name === named)) {
        return { status: 404, jsonBody: { error: `Unknown target '${named}'.` } };
    }
    const query = parseRequest(runsQuerySchema, { target: named, limit: request.query.get('limit') ?? undefined });
    if (!query.ok) return { status: 400, jsonBody: { error: query.error } };
    const { target, limit } = query.value;
    return { status: 200, jsonBody: await deps.runs.listRuns(target, limit) };
}

app.http('runsHttp', { methods: ['GET'], authLevel: 'function', route: 'runs', handler: runsHttp });
