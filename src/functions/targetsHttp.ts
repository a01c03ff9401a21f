import { app, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { runsContainerName, runtimeDeps } from '../activities/runtime';
import { IntakeIndex } from '../retraining/intake';
import { configuredMetricNames } from '../retraining/metricNames';
import { taskOf } from '../retraining/task';
import { UNVERIFIED_MODEL_RECENT_RUNS, unverifiedModel } from '../retraining/unverifiedModel';
import { lastMissedEvents, MissedEvents } from './shared/catchUp';
import { dataFileCounts } from './shared/dataManagement';
import { DurableOutageError, liveStatus } from './shared/startRetrain';

/**
 * GET /api/targets[/{target}]: each target's champion, its metrics and lineage, any run in flight,
 * where its training data goes and what it must hold (so a client can check and upload a file
 * without reading the app's config), and the files under its prefix that cannot train (`refused`:
 * name, one-line reason, and the file's own line and column of each problem). `metricNames` maps
 * each gate metric's key in run records to the name the config gives it (`auc` -> `AUC`);
 * `dataPolicy` is the target's (defaults filled in) and `dataFiles` counts the files it leaves out
 * (`excluded` by people, `quarantined` by Rejected runs), as `GET /api/data/{target}` states them.
 * `unverifiedModel` `{ runId, reason, at }` (else null): the endpoint may be serving that run's
 * model, which failed verification and whose rollback failed too (src/retraining/unverifiedModel.ts).
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
            const refused = await IntakeIndex.loadRefused(deps.runs.stateContainer, t.name);
            const dataFiles = await dataFileCounts(deps, t);
            // The endpoint's model is the champion's unless a run's rollback failed since; runs
            // that did not promote leave it as it was, so the newest few runs tell.
            const unverified = unverifiedModel(await deps.runs.listRuns(t.name, UNVERIFIED_MODEL_RECENT_RUNS)) ?? null;
            return {
                name: t.name,
                update: t.update.kind,
                data: {
                    container: t.data.container,
                    prefixPattern: t.data.prefixPattern,
                    labelColumn: t.data.labelColumn,
                    featureColumns: t.data.featureColumns,
                    task: taskOf(t) ?? null,
                    ...(t.data.columnTypes ? { columnTypes: t.data.columnTypes } : {}),
                    ...(t.data.classes ? { classes: t.data.classes } : {}),
                },
                metricNames: configuredMetricNames(t.gate),
                dataPolicy: t.dataPolicy,
                dataFiles,
                refused: refused.map((v) => ({
                    name: v.name,
                    reason: v.reason,
                    problems: v.problems.slice(0, 5),
                    judgedAt: v.judgedAt,
                })),
                champion,
                unverifiedModel: unverified,
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
