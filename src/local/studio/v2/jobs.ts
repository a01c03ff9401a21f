import { randomUUID } from 'node:crypto';

import type { StudioContext } from '../context';
import type { Route, StudioRequest } from '../http';
import { json } from '../http';
import type { AzureMlWorkspaceSeed } from '../seed';
import { StorageAccessError, assertBlobExists, deleteBlobQuietly, openBlob, writeBlob } from '../storage';
import { TrainingError, trainExperiment } from '../training';
import {
    Json,
    PROVIDER,
    V2Errors,
    WORKSPACE_PATH,
    datastoreRef,
    systemData,
    v2Route,
    v2State,
    workspaceId,
    workspaceOf,
} from './common';
import type { V2JobRecord } from './state';

/** The outputs every emulated command job writes: the trained model and its metrics. */
export const MODEL_OUTPUT = 'model';
export const METRICS_OUTPUT = 'metrics';
export const MODEL_FILE = 'model.ilearner';
export const METRICS_FILE = 'metrics.json';
/** A failed job's reason, in the job's `properties` (the 2022-10-01 JobBase has no error field). */
export const ERROR_PROPERTY = 'azureml.emulator.error';

const TERMINAL = new Set(['Completed', 'Failed', 'Canceled']);
/** Fields the caller may change on an existing job (`x-ms-mutability` includes `update`, or ResourceBase's). */
const MUTABLE = new Set(['description', 'tags', 'properties', 'isArchived', 'status', 'services', 'outputs']);

export function jobKey(w: { key: string }, name: string): string {
    return `${w.key}/jobs/${name}`.toLowerCase();
}

function status(job: V2JobRecord): string {
    return (job.resource.properties as Json).status as string;
}

function setStatus(job: V2JobRecord, value: string): void {
    (job.resource.properties as Json).status = value;
}

function defaultOutputUri(jobName: string, output: string): string {
    return `azureml://datastores/workspaceblobstore/paths/azureml/${jobName}/${output}/`;
}

/** The input the job trains on: its only uri_file input, or the one named `training_data`. */
function trainingInput(props: Json): { name: string; uri: string } {
    const inputs = Object.entries((props.inputs ?? {}) as Record<string, Json | null>).filter(
        ([, v]) => v?.jobInputType === 'uri_file',
    );
    const chosen = inputs.length === 1 ? inputs[0] : inputs.find(([n]) => n === 'training_data');
    if (!chosen) {
        throw V2Errors.user(
            "A command job needs one uri_file input (or, among several, one named 'training_data') with the training data.",
        );
    }
    return { name: chosen[0], uri: String(chosen[1]!.uri) };
}

/** Literal inputs, passed to training as hyperparameters (as BES global parameters are). */
function literalInputs(props: Json): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, v] of Object.entries((props.inputs ?? {}) as Record<string, Json | null>)) {
        if (v?.jobInputType === 'literal') out[name] = String(v.value);
    }
    return out;
}

function environmentOf(w: AzureMlWorkspaceSeed, environmentId: string) {
    const env = w.environments.find((e) => e.id === environmentId);
    if (!env) throw V2Errors.user(`Environment '${environmentId}' does not exist in workspace '${w.name}'.`);
    return env;
}

/** Immutable fields of a submission, to tell a retried submit from a different job under the same name. */
function immutablePart(props: Json): string {
    const copy: Json = {};
    for (const [k, v] of Object.entries(props)) if (!MUTABLE.has(k) && v !== null && v !== undefined) copy[k] = v;
    if (copy.experimentName === 'Default') delete copy.experimentName;
    return JSON.stringify(copy, Object.keys(copy).sort());
}

/**
 * Runs command jobs in the background with the studio's real training: NotStarted -> Running ->
 * Completed (model and metrics written as the job's outputs), Failed, or Canceled. Outputs are
 * written only after training succeeds; a job cancelled while writing leaves none.
 */
export class V2JobRunner {
    private readonly running = new Map<string, AbortController>();
    private closed = false;

    constructor(private readonly ctx: StudioContext) {}

    start(key: string): void {
        if (this.closed || this.running.has(key)) return;
        const controller = new AbortController();
        this.running.set(key, controller);
        void this.run(key, controller.signal).finally(() => this.running.delete(key));
    }

    cancel(key: string): void {
        this.running.get(key)?.abort();
    }

    async close(): Promise<void> {
        this.closed = true;
        for (const c of this.running.values()) c.abort();
        while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
    }

    private async run(key: string, signal: AbortSignal): Promise<void> {
        const ctx = this.ctx;
        const job = v2State(ctx).jobs[key];
        if (!job || TERMINAL.has(status(job))) return;
        const w = ctx.seed.azureml.find(
            (x) => `${x.subscriptionId}/${x.resourceGroup}/${x.name}`.toLowerCase() === job.workspaceKey,
        );
        const props = job.resource.properties as Json;
        const name = String(job.resource.name);
        const scopes = [name, w?.name ?? ''];
        const written: string[] = [];
        const outputs = props.outputs as Record<string, Json>;
        const started = Date.now();
        try {
            if (!w) throw new TrainingError('WorkspaceGone', 'The workspace no longer exists.');
            if (job.cancelRequested) throw new TrainingError('Cancelled', 'The job was canceled.');
            setStatus(job, 'Running');
            await ctx.persist();
            if (ctx.faults.behaviour(scopes, 'jobNeverFinishes')) await ctx.sleep(2 ** 31 - 1, signal);
            const failure = ctx.faults.behaviour(scopes, 'jobFailure');
            if (failure) throw new TrainingError('ModuleExecutionError', failure);
            const env = environmentOf(w, String(props.environmentId));
            const input = datastoreRef(ctx, w, trainingInput(props).uri);
            await assertBlobExists(input, 'training_data');
            const outcome = await trainExperiment(openBlob(input, signal), env.experiment, literalInputs(props), {
                abortSignal: signal,
                now: ctx.now,
            });
            const left = (ctx.faults.behaviour(scopes, 'jobDurationInMs') ?? 0) - (Date.now() - started);
            if (left > 0) await ctx.sleep(left, signal);
            setStatus(job, 'Finalizing');
            const files: [string, string, Buffer | string, string][] = [
                [MODEL_OUTPUT, MODEL_FILE, outcome.ilearner, 'application/octet-stream'],
                [METRICS_OUTPUT, METRICS_FILE, JSON.stringify(outcome.metrics), 'application/json'],
            ];
            for (const [output, file, bytes, type] of files) {
                if (signal.aborted) throw new TrainingError('Cancelled', 'The job was canceled.');
                const ref = datastoreRef(ctx, w, `${String(outputs[output].uri).replace(/\/?$/, '/')}${file}`);
                written.push(ref.RelativeLocation!);
                await writeBlob(ref, bytes, type, signal);
            }
            if (signal.aborted) throw new TrainingError('Cancelled', 'The job was canceled.');
            ctx.log(
                `azureml job ${name} completed: ${outcome.trainingRows} training rows, ${outcome.holdoutRows} held out`,
            );
            await this.end(job, 'Completed');
        } catch (err) {
            if (signal.aborted || (err instanceof TrainingError && err.code === 'Cancelled')) {
                if (this.closed && !job.cancelRequested) return; // shutting down: resumes on the next start
                for (const rel of written) {
                    await deleteBlobQuietly({ ConnectionString: ctx.storageConnectionString, RelativeLocation: rel });
                }
                return this.end(job, 'Canceled');
            }
            const known = err instanceof TrainingError || err instanceof StorageAccessError;
            const message = known ? err.message : 'The job failed with an internal error.';
            if (!known) ctx.log(`azureml job ${name} internal error: ${err instanceof Error ? err.name : 'unknown'}`);
            ctx.log(`azureml job ${name} failed: ${message}`);
            await this.end(job, 'Failed', message);
        }
    }

    private async end(job: V2JobRecord, value: string, error?: string): Promise<void> {
        if (TERMINAL.has(status(job))) return;
        setStatus(job, value);
        if (error) {
            const props = job.resource.properties as Json;
            props.properties = { ...(props.properties ?? {}), [ERROR_PROPERTY]: error };
        }
        job.resource.systemData = systemData(this.ctx, job.resource.systemData as Json);
        await this.ctx.persist();
    }
}

function getJob(ctx: StudioContext, req: StudioRequest): V2JobRecord {
    const w = workspaceOf(ctx, req);
    const job = v2State(ctx).jobs[jobKey(w, req.params.id)];
    if (!job) throw V2Errors.notFound(`Job '${req.params.id}'`);
    return job;
}

function cancelResultUrl(ctx: StudioContext, w: AzureMlWorkspaceSeed, job: V2JobRecord): string {
    const location = w.location.replace(/\s+/g, '').toLowerCase();
    return `${ctx.baseUrl}/subscriptions/${w.subscriptionId}/providers/${PROVIDER}/locations/${location}/mfeOperationResults/jobcancel:${encodeURIComponent(job.key)}?api-version=2022-10-01`;
}

export function jobRoutes(runner: V2JobRunner): Route[] {
    const path = `${WORKSPACE_PATH}/jobs/:id`;
    const scopes = (req: StudioRequest): string[] => [req.params.id, req.params.workspaceName];
    return [
        v2Route({
            method: 'PUT',
            path,
            operationId: 'Jobs_CreateOrUpdate',
            operation: 'v2Job',
            scopes,
            handle: async (ctx, req) => {
                const w = workspaceOf(ctx, req);
                const body = req.body as Json;
                const props = structuredClone(body.properties as Json);
                const key = jobKey(w, req.params.id);
                const existing = v2State(ctx).jobs[key];
                if (existing) {
                    const current = existing.resource.properties as Json;
                    if (immutablePart(props) !== immutablePart(current)) {
                        throw V2Errors.user(
                            `Job '${req.params.id}' already exists with a different definition; only description, tags, properties and isArchived may change.`,
                        );
                    }
                    for (const k of ['description', 'tags', 'isArchived'] as const)
                        if (k in props) current[k] = props[k];
                    if (props.properties)
                        current.properties = {
                            ...(props.properties as Json),
                            ...(current.properties ?? {}),
                        };
                    existing.resource.systemData = systemData(ctx, existing.resource.systemData as Json);
                    await ctx.persist();
                    return json(200, existing.resource);
                }
                if (props.jobType !== 'Command') {
                    throw V2Errors.user(
                        `The emulator runs command jobs only; jobType '${String(props.jobType)}' is not supported.`,
                    );
                }
                environmentOf(w, String(props.environmentId));
                const input = trainingInput(props);
                datastoreRef(ctx, w, input.uri);
                const outputs = { ...((props.outputs ?? {}) as Record<string, Json | null>) };
                for (const name of [MODEL_OUTPUT, METRICS_OUTPUT]) {
                    const given = outputs[name];
                    if (given && given.jobOutputType !== 'uri_folder') {
                        throw V2Errors.user(
                            `Output '${name}' must be a uri_folder (the emulator writes ${name === MODEL_OUTPUT ? MODEL_FILE : METRICS_FILE} into it).`,
                        );
                    }
                    const uri = (given?.uri as string | null | undefined) ?? defaultOutputUri(req.params.id, name);
                    datastoreRef(ctx, w, uri);
                    outputs[name] = {
                        ...(given ?? {}),
                        jobOutputType: 'uri_folder',
                        mode: given?.mode ?? 'ReadWriteMount',
                        uri,
                    };
                }
                const job: V2JobRecord = {
                    key,
                    workspaceKey: w.key,
                    resource: {
                        id: `${workspaceId(w)}/jobs/${req.params.id}`,
                        name: req.params.id,
                        type: `${PROVIDER}/workspaces/jobs`,
                        systemData: systemData(ctx),
                        properties: {
                            ...props,
                            experimentName: props.experimentName ?? 'Default',
                            isArchived: props.isArchived ?? false,
                            outputs,
                            status: 'NotStarted',
                        },
                    },
                };
                v2State(ctx).jobs[key] = job;
                await ctx.persist();
                // The answer shows the job as created; the runner moves it on from here.
                const answer = structuredClone(job.resource);
                runner.start(key);
                return json(201, answer);
            },
        }),
        v2Route({
            method: 'GET',
            path,
            operationId: 'Jobs_Get',
            operation: 'v2Job',
            scopes,
            handle: (ctx, req) => Promise.resolve(json(200, getJob(ctx, req).resource)),
        }),
        v2Route({
            method: 'POST',
            path: `${path}/cancel`,
            operationId: 'Jobs_Cancel',
            operation: 'v2Job',
            scopes,
            handle: async (ctx, req) => {
                const job = getJob(ctx, req);
                if (TERMINAL.has(status(job))) return json(200);
                job.cancelRequested = true;
                setStatus(job, 'CancelRequested');
                await ctx.persist();
                runner.cancel(job.key);
                // A job that had not begun running has no runner to notice the request.
                runner.start(job.key);
                return json(202, undefined, { Location: cancelResultUrl(ctx, workspaceOf(ctx, req), job) });
            },
        }),
    ];
}

/** The `Location` of a job cancel: 202 until the job has stopped, then 200. */
export function jobCancelResult(ctx: StudioContext, key: string): { status: number } | undefined {
    const job = v2State(ctx).jobs[key];
    if (!job) return undefined;
    return { status: TERMINAL.has(status(job)) ? 200 : 202 };
}

export const newOperationId = (): string => randomUUID();
