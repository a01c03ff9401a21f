import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { adminRoutes } from './admin/routes';
import { armRoutes, ArmOperations } from './arm/routes';
import { authenticate } from './auth';
import { JobRunner } from './bes/jobRunner';
import { besRoutes } from './bes/routes';
import { ServiceRef, StudioContext } from './context';
import { Errors, StudioError } from './errors';
import { FaultRegistry, Faults, Stats } from './faults';
import { Route, StudioRequest, StudioResponse, matchPath } from './http';
import { managementRoutes } from './management/routes';
import { rrsRoutes } from './rrs/routes';
import { StudioSeed, parseSeed } from './seed';
import { seedState } from './seedState';
import { FileStateStore, MemoryStateStore, StateStore, StudioState } from './state';
import { TrainedModel, parseIlearner } from './training';
import { AzureMlSurface } from './v2';

export interface StudioServerOptions {
    /** 0 (the default) picks a free port. */
    port?: number;
    host?: string;
    /** The emulator's own storage: where `initialModel`s live and ARM model URIs without SAS are read. */
    storageConnectionString: string;
    /** Parsed with parseSeed, so a raw JSON object is fine. */
    seed: unknown;
    /** Folder for persisted state; omitted = in memory. */
    stateDir?: string;
    log?: (line: string) => void;
    clock?: () => number;
    maxBodyBytes?: number;
}

const API_VERSIONS: Record<string, string[]> = {
    '2.0': ['2.0'],
    '2017-01-01': ['2017-01-01', '2016-05-01-preview'],
    '2022-10-01': ['2022-10-01'],
};

/**
 * The offline Azure ML Studio (classic) emulator: BES, RRS, classic endpoint management and ARM
 * web services on one HTTP server. The request pipeline, in order: request id, route match,
 * api-version, authentication, call counting, injected faults, body, handler, error mapping.
 */
export class StudioServer {
    private constructor(
        private readonly http: Server,
        private readonly ctx: StudioContext,
        private readonly runner: JobRunner,
        private readonly armOps: ArmOperations,
        private readonly azureml: AzureMlSurface,
        readonly url: string,
    ) {}

    readonly faults = {
        set: (scope: string, faults: Faults): void => this.ctx.faults.set(scope, faults),
        clear: (scope?: string): void => this.ctx.faults.clear(scope),
    };

    stats(): ReturnType<Stats['snapshot']> {
        return this.ctx.stats.snapshot();
    }

    static async start(options: StudioServerOptions): Promise<StudioServer> {
        const seed = parseSeed(options.seed);
        const store: StateStore = options.stateDir ? new FileStateStore(options.stateDir) : new MemoryStateStore();
        const state: StudioState = await store.load();
        const clock = options.clock ?? Date.now;
        const models = new Map<string, TrainedModel>();
        const ctx: StudioContext = {
            seed,
            state,
            store,
            faults: new FaultRegistry(),
            stats: new Stats(),
            storageConnectionString: options.storageConnectionString,
            now: () => new Date(clock()),
            log: options.log ?? ((line) => console.log(`[studio] ${line}`)),
            baseUrl: '',
            persist: () => store.save(state),
            service: (id) => findService(seed, state, id),
            loadModel: async (sha256) => {
                const cached = models.get(sha256);
                if (cached) return cached;
                const bytes = await store.getModel(sha256);
                if (!bytes) throw Errors.moduleExecution('The bound trained model is missing from the service store.');
                const model = parseIlearner(bytes);
                models.set(sha256, model);
                return model;
            },
            sleep,
        };
        const runner = new JobRunner(ctx);
        const armOps = new ArmOperations(ctx);
        const azureml = new AzureMlSurface(ctx);
        const routes = [
            ...besRoutes(runner),
            ...rrsRoutes(),
            ...managementRoutes(),
            ...armRoutes(armOps),
            ...azureml.routes(),
            ...adminRoutes(),
        ];
        const http = createServer(
            (req, res) => void handle(ctx, routes, req, res, options.maxBodyBytes ?? 16 * 1024 * 1024),
        );
        await new Promise<void>((resolve, reject) => {
            http.once('error', reject);
            http.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
        });
        const address = http.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        ctx.baseUrl = `http://${host}:${address.port}`;
        try {
            await seedState(ctx);
        } catch (err) {
            http.close();
            throw err;
        }
        for (const [key, job] of Object.entries(state.jobs)) if (job.status === 'Running') runner.enqueue(key);
        for (const op of Object.values(state.armOperations)) if (op.status === 'Provisioning') armOps.begin(op);
        azureml.resume();
        return new StudioServer(http, ctx, runner, armOps, azureml, ctx.baseUrl);
    }

    /** Resolves once every started BES job has reached its final state (see JobRunner.idle). */
    jobsIdle(timeoutInMs?: number): Promise<void> {
        return this.runner.idle(timeoutInMs);
    }

    async close(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.http.close(() => resolve());
            this.http.closeAllConnections();
        });
        await this.runner.close();
        await this.armOps.close();
        await this.azureml.close();
        await this.ctx.persist();
    }
}

function findService(seed: StudioSeed, state: StudioState, id: string): ServiceRef | undefined {
    const training = seed.trainingServices.find((t) => t.serviceId === id);
    if (training) return { kind: 'training', workspaceId: training.workspaceId, seed: training };
    for (const [key, e] of Object.entries(state.endpoints)) {
        if (e.serviceId === id) return { kind: 'endpoint', workspaceId: e.workspaceId, endpointKey: key };
    }
    for (const [key, a] of Object.entries(state.armServices)) {
        if (a.serviceId === id) return { kind: 'arm', subscriptionId: key.split('/')[0], armKey: key };
    }
    return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(new Error('aborted'));
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        const onAbort = (): void => {
            clearTimeout(timer);
            reject(new Error('aborted'));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}

async function handle(
    ctx: StudioContext,
    routes: Route[],
    req: IncomingMessage,
    res: ServerResponse,
    maxBodyBytes: number,
): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://studio');
    const segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
    let response: StudioResponse;
    try {
        response = await dispatch(ctx, routes, { req, url, segments, requestId, maxBodyBytes });
    } catch (err) {
        // A client that hung up mid-body is not a service fault; there is no one to answer.
        if (req.destroyed && err instanceof Error && err.message === 'aborted') {
            ctx.log(`${req.method} ${url.pathname} aborted by the client ${requestId}`);
            return;
        }
        response = toErrorResponse(ctx, err);
    }
    const headers: Record<string, string> = { 'x-ms-request-id': requestId, ...(response.headers ?? {}) };
    if (response.status === 204 || response.body === undefined) {
        res.writeHead(response.status, headers).end();
    } else {
        const text = JSON.stringify(response.body);
        res.writeHead(response.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(text);
    }
    // Path only: query strings may carry keys, and headers carry tokens.
    ctx.log(`${req.method} ${url.pathname} -> ${response.status} (${Date.now() - started} ms) ${requestId}`);
}

async function dispatch(
    ctx: StudioContext,
    routes: Route[],
    r: { req: IncomingMessage; url: URL; segments: string[]; requestId: string; maxBodyBytes: number },
): Promise<StudioResponse> {
    let allowed = false;
    for (const candidate of routes) {
        const params = matchPath(candidate.pattern, r.segments);
        if (!params) continue;
        if (candidate.method !== r.req.method) {
            allowed = true;
            continue;
        }
        if (candidate.apiVersion !== 'none') {
            const v = r.url.searchParams.get('api-version');
            if (!v || !API_VERSIONS[candidate.apiVersion].includes(v)) {
                throw candidate.apiVersion === '2.0'
                    ? Errors.badVersion()
                    : Errors.arm.apiVersion(candidate.apiVersion);
            }
        }
        const request: StudioRequest = {
            method: r.req.method,
            path: r.url.pathname,
            query: r.url.searchParams,
            headers: r.req.headers,
            body: undefined,
            requestId: r.requestId,
            params,
        };
        authenticate(ctx, candidate.auth, request);
        const scopes = candidate.scopes(request, ctx);
        if (candidate.operation) {
            ctx.stats.count(scopes[0] ?? '*', candidate.operation);
            const fault = ctx.faults.takeHttpFault(scopes, candidate.operation);
            if (fault?.delayInMs) await ctx.sleep(fault.delayInMs);
            if (fault?.status) throw Errors.injected(fault.status, fault.retryAfterSeconds);
        }
        request.body = await readJson(r.req, r.maxBodyBytes, candidate.auth === 'arm');
        return candidate.handle(ctx, request);
    }
    throw allowed
        ? Errors.methodNotAllowed(r.req.method ?? '?')
        : new StudioError(404, 'NotFound', `No resource at ${r.url.pathname}.`);
}

async function readJson(req: IncomingMessage, limit: number, arm: boolean): Promise<unknown> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > limit) throw Errors.payloadTooLarge(limit);
        chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^\uFEFF/, '');
    if (text.trim() === '') return undefined;
    try {
        return JSON.parse(text) as unknown;
    } catch {
        throw arm
            ? Errors.arm.badRequest('The request body is not valid JSON.')
            : Errors.requestBodyInvalid('The request body is not valid JSON.');
    }
}

function toErrorResponse(ctx: StudioContext, err: unknown): StudioResponse {
    if (err instanceof StudioError) return { status: err.status, body: err.body(), headers: err.headers };
    ctx.log(`internal error: ${err instanceof Error ? `${err.name}: ${scrub(err.message)}` : 'unknown'}`);
    const e = Errors.internal();
    return { status: e.status, body: e.body() };
}

/** Strips SAS signatures and account keys from text that may quote a URL or connection string. */
function scrub(text: string): string {
    return text.replace(/(sig=)[^&\s"']+/gi, '$1REDACTED').replace(/(AccountKey=)[^;\s"']+/gi, '$1REDACTED');
}

function safeDecode(segment: string): string {
    try {
        return decodeURIComponent(segment);
    } catch {
        return segment;
    }
}
