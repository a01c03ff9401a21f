import { randomUUID } from 'node:crypto';

import { ServiceRef, StudioContext, serviceScopes } from '../context';
import { Errors } from '../errors';
import { Route, StudioRequest, json, route } from '../http';
import { describeRef, resultFor } from '../storage';
import type { BlobRef, JobRecord } from '../state';
import { TrainingError, resolveHyperparameters } from '../training';
import type { JobRunner } from './jobRunner';

const STATUS_NUMBER: Record<JobRecord['status'], number> = {
    NotStarted: 0,
    Running: 1,
    Failed: 2,
    Cancelled: 3,
    Finished: 4,
};

function trainingService(ctx: StudioContext, req: StudioRequest): Extract<ServiceRef, { kind: 'training' }> {
    const ref = ctx.service(req.params.serviceId);
    if (!ref) throw Errors.notFound(`Service '${req.params.serviceId}'`);
    if (ref.kind !== 'training') {
        throw Errors.badArgument(
            'NoTrainingExperiment',
            'This web service has no training experiment: submit retraining jobs to the training web service.',
        );
    }
    return ref;
}

function jobKey(req: StudioRequest): string {
    return `${req.params.serviceId}/${req.params.jobId}`.toLowerCase();
}

function findJob(ctx: StudioContext, req: StudioRequest): JobRecord {
    const job = ctx.state.jobs[jobKey(req)];
    if (!job) throw Errors.jobNotFound(req.params.jobId);
    return job;
}

function asRefs(value: unknown, field: string): Record<string, BlobRef> {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value))
        throw Errors.requestBodyInvalid(`'${field}' must be an object.`);
    const out: Record<string, BlobRef> = {};
    for (const [name, ref] of Object.entries(value as Record<string, unknown>)) {
        if (typeof ref !== 'object' || ref === null)
            throw Errors.requestBodyInvalid(`'${field}.${name}' must be an object.`);
        const r = ref as Record<string, unknown>;
        for (const k of ['ConnectionString', 'RelativeLocation', 'BaseLocation', 'SasBlobToken']) {
            if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'string') {
                throw Errors.requestBodyInvalid(`'${field}.${name}.${k}' must be a string.`);
            }
        }
        if (!r.RelativeLocation)
            throw Errors.badArgument('InvalidBlob', `'${field}.${name}' has no RelativeLocation.`, name);
        if (!r.ConnectionString && !r.BaseLocation) {
            throw Errors.badArgument(
                'InvalidBlob',
                `'${field}.${name}' needs a ConnectionString or a BaseLocation with a SasBlobToken.`,
                name,
            );
        }
        out[name] = r;
    }
    return out;
}

function parseSubmit(
    ctx: StudioContext,
    req: StudioRequest,
    ref: Extract<ServiceRef, { kind: 'training' }>,
): JobRecord {
    const body = req.body as Record<string, unknown> | undefined;
    if (typeof body !== 'object' || body === null)
        throw Errors.requestBodyInvalid('The request body must be a JSON object.');
    if (body.Input !== undefined && body.Inputs !== undefined) {
        throw Errors.badArgument('DuplicateInputInBatchCall', 'Cannot specify both single and multiple input.');
    }
    const seed = ref.seed;
    const inputs =
        body.Input !== undefined
            ? { [seed.inputName]: asRefs({ x: body.Input }, 'Input').x }
            : asRefs(body.Inputs, 'Inputs');
    if (Object.keys(inputs).length === 0)
        throw Errors.badArgument('BatchJobInputsNotSpecified', 'The job specifies no inputs.');
    const unknownInputs = Object.keys(inputs).filter((n) => n !== seed.inputName);
    if (unknownInputs.length > 0) {
        throw Errors.badArgument(
            'InvalidInputNames',
            `Unknown input name(s) ${unknownInputs.join(', ')}; this service has '${seed.inputName}'.`,
        );
    }
    if (!inputs[seed.inputName])
        throw Errors.badArgument('BatchJobInputsNotSpecified', `Input '${seed.inputName}' is required.`);
    const outputs = asRefs(body.Outputs, 'Outputs');
    const known = [seed.modelOutputName, seed.evaluationOutputName];
    const unknownOutputs = Object.keys(outputs).filter((n) => !known.includes(n));
    if (unknownOutputs.length > 0) {
        throw Errors.badArgument(
            'InvalidOutputOverrideName',
            `Unknown output name(s) ${unknownOutputs.join(', ')}; this service has ${known.join(', ')}.`,
        );
    }
    const id = randomUUID().replace(/-/g, '');
    // Outputs left out go to the service's own storage, as the real service does
    // (experimentoutput/<job>/<output>), and come back in Results with a SAS.
    for (const name of known.filter((n) => !outputs[n])) {
        const extension = name === seed.modelOutputName ? 'ilearner' : 'csv';
        outputs[name] = {
            ConnectionString: ctx.storageConnectionString,
            RelativeLocation: `experimentoutput/${id}/${name}.${extension}`,
        };
    }
    if (!describeRef(outputs[seed.modelOutputName]).toLowerCase().endsWith('.ilearner')) {
        throw Errors.badArgument(
            'InvalidBlobExtension',
            `The trained model output '${seed.modelOutputName}' must end with .ilearner.`,
            seed.modelOutputName,
        );
    }
    const globalParameters: Record<string, string> = {};
    const gp = body.GlobalParameters;
    if (gp !== undefined && gp !== null) {
        if (typeof gp !== 'object' || Array.isArray(gp))
            throw Errors.requestBodyInvalid("'GlobalParameters' must be an object.");
        for (const [k, v] of Object.entries(gp as Record<string, unknown>)) {
            if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
                throw Errors.requestBodyInvalid(`GlobalParameters '${k}' must be a string or number.`);
            }
            globalParameters[k] = String(v);
        }
    }
    try {
        resolveHyperparameters(seed.experiment, globalParameters);
    } catch (err) {
        if (err instanceof TrainingError) throw Errors.badArgument(err.code, err.message);
        throw err;
    }
    return {
        id,
        serviceId: req.params.serviceId,
        status: 'NotStarted',
        inputs,
        outputs,
        globalParameters,
        createdAt: ctx.now().toISOString(),
    };
}

export function besRoutes(runner: JobRunner): Route[] {
    const scopes = (req: StudioRequest, ctx: StudioContext): string[] => serviceScopes(ctx, req.params.serviceId);
    const common = { auth: 'serviceKey' as const, apiVersion: '2.0' as const, scopes };
    const routes: Route[] = [];
    for (const base of [
        '/workspaces/:workspaceId/services/:serviceId',
        '/subscriptions/:subscriptionId/services/:serviceId',
    ]) {
        routes.push(
            route('POST', `${base}/jobs`, {
                ...common,
                operation: 'submitJob',
                handle: async (ctx, req) => {
                    const job = parseSubmit(ctx, req, trainingService(ctx, req));
                    ctx.state.jobs[`${job.serviceId}/${job.id}`.toLowerCase()] = job;
                    await ctx.persist();
                    return json(200, job.id);
                },
            }),
            route('POST', `${base}/jobs/:jobId/start`, {
                ...common,
                operation: 'startJob',
                handle: async (ctx, req) => {
                    trainingService(ctx, req);
                    const job = findJob(ctx, req);
                    if (job.status !== 'NotStarted')
                        throw Errors.cannotStartJob(`Job '${job.id}' cannot be started: it is ${job.status}.`);
                    job.status = 'Running';
                    job.startedAt = ctx.now().toISOString();
                    await ctx.persist();
                    runner.enqueue(jobKey(req));
                    return json(204);
                },
            }),
            route('GET', `${base}/jobs/:jobId`, {
                ...common,
                operation: 'getJobStatus',
                handle: (ctx, req) => {
                    const ref = trainingService(ctx, req);
                    const job = findJob(ctx, req);
                    const results =
                        job.status === 'Finished'
                            ? Object.fromEntries(
                                  Object.entries(job.outputs).map(([n, r]) => [n, resultFor(r, ctx.now())]),
                              )
                            : null;
                    const code = ref.seed.statusCodeFormat === 'number' ? STATUS_NUMBER[job.status] : job.status;
                    return Promise.resolve(
                        json(200, { StatusCode: code, Results: results, Details: job.details ?? null }),
                    );
                },
            }),
            route('DELETE', `${base}/jobs/:jobId`, {
                ...common,
                operation: 'cancelJob',
                handle: async (ctx, req) => {
                    trainingService(ctx, req);
                    const job = findJob(ctx, req);
                    if (job.status === 'NotStarted' || job.status === 'Running') {
                        job.status = 'Cancelled';
                        job.details = 'The job was cancelled.';
                        job.endedAt = ctx.now().toISOString();
                        runner.cancel(jobKey(req));
                        await ctx.persist();
                    }
                    return json(204);
                },
            }),
        );
    }
    return routes;
}
