import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { handleUi } from '../ui/handler';
import { CLIENT_PRINCIPAL_HEADER } from './shared/clientPrincipal';
import { decisionHandler } from './shared/approvalDecision';
import { liveStatus } from './shared/startRetrain';

/** GET /api/ui/{*path}: the status page, signed in by App Service Authentication (no function key). */
export async function uiHttp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const deps = runtimeDeps();
    const client = df.getClient(context);
    return handleUi(request, request.params.path ?? '', {
        config: deps.config,
        env: process.env,
        champion: async (t) => (await deps.runs.getChampion(t))?.champion,
        runs: (t, limit) => deps.runs.listRuns(t, limit),
        run: (t, id) => deps.runs.getRun(t, id),
        decide: (decision, runId, why, principal) =>
            decisionHandler(decision)(
                new HttpRequest({
                    method: 'POST',
                    url: request.url,
                    headers: { [CLIENT_PRINCIPAL_HEADER]: request.headers.get(CLIENT_PRINCIPAL_HEADER) ?? '' },
                    params: { runId },
                    body: { string: JSON.stringify({ by: principal.name, why }) },
                }),
                context,
            ),
        live: async (t) => {
            const s = await liveStatus(client, t);
            return s ? { runtimeStatus: s.runtimeStatus, customStatus: s.customStatus } : undefined;
        },
    });
}

app.http('uiHttp', {
    methods: ['GET', 'POST'],
    authLevel: 'anonymous',
    route: 'ui/{*path}',
    extraInputs: [df.input.durableClient()],
    handler: uiHttp,
});
