import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runsContainerName, runtimeDeps } from '../activities/runtime';
import { lastMissedEvents, MissedEvents } from './shared/catchUp';
import { DurableOutageError, liveStatus } from './shared/startRetrain';

/**
 * GET /api/targets[/{target}]: each target's champion, its metrics and lineage, any run in flight,
 * and where its training data goes (so a client can upload without reading the app's config).
 */
export async function targetsHttp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    try {
        return await targetsView(request, context);
    } catch (err: unknown) {
        if (!(err instanceof DurableOutageError)) throw err;
        return { status: 503, headers: { 'Retry-After': '10' }, jsonBody: { error: err.message } };
    }
}

async function targetsView(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const deps = runtimeDeps();
    const client = df.getClient(context);
    const wanted = request.params.target;
    const targets = deps.config.targets.filter((t) => !wanted || t.name === wanted);
    if (wanted && targets.length === 0) return { status: 404, jsonBody: { error: `Unknown target '${wanted}'.` } };
    let missedEvents: MissedEvents | null;
    try {
        missedEvents = (await lastMissedEvents(deps.blobs.getContainerClient(runsContainerName()))) ?? null;
    } catch {
        missedEvents = null; // the counts are advisory; the rest of the view still answers
    }
    const views = await Promise.all(
        targets.map(async (t) => {
            const champion = (await deps.runs.getChampion(t.name))?.champion ?? null;
            const live = await liveStatus(client, t.name);
            return {
                name: t.name,
                update: t.update.kind,
                data: {
                    container: t.data.container,
                    prefixPattern: t.data.prefixPattern,
                    labelColumn: t.data.labelColumn,
                    featureColumns: t.data.featureColumns,
                },
                champion,
                /** Arrivals the runtime gave up on (whole app, as of the last catch-up pass). */
                missedEvents,
                inFlight: live
                    ? { instanceId: live.instanceId, status: live.runtimeStatus, step: live.customStatus ?? null }
                    : null,
            };
        }),
    );
    return { status: 200, jsonBody: wanted ? views[0] : views };
}

app.http('targetsHttp', {
    methods: ['GET'],
    authLevel: 'function',
    route: 'targets/{target?}',
    extraInputs: [df.input.durableClient()],
    handler: targetsHttp,
});
