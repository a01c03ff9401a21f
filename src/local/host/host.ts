import path from 'node:path';

import { HostConfig, readHostConfig } from './config/hostJson';
import { Env, isFunctionDisabled } from './config/settings';
import { Invoker } from './core/invoker';
import { loadApp, startApp, terminateApp } from './core/loader';
import { createLogger, HostLogger } from './core/log';
import { FunctionRegistry, RegisteredFunction } from './core/registry';
import { ClientBindingData, clientBindingData } from './durable/clientBinding';
import { Clock, systemClock } from './durable/clock';
import { DurableEngine } from './durable/engine';
import { handleDurableApi, isDurableApiPath } from './durable/httpApi';
import { DurableService } from './durable/service';
import { findRoute, HttpRoute, httpRoutes, invokeHttp } from './http/httpTrigger';
import { HostKeys, loadOrCreateKeys } from './http/keys';
import { HostServer, requireKey } from './http/server';
import { HostRequest, HostResponse, json } from './http/types';
import { storageClients } from './storage/clients';
import { BlobTriggerListener } from './triggers/blob';
import { TimerTrigger } from './triggers/timer';
import { PollLoop } from './util/pollLoop';
import { normalizeConnectionString } from './config/storage';

export interface HostOptions {
    appRoot: string;
    /** Storage connection string (Azurite); `UseDevelopmentStorage=true` is understood. */
    connectionString: string;
    /** 7071 by default; 0 picks a free port. */
    port?: number;
    listenHost?: string;
    /** Where keys are kept; default `<appRoot>/.retrainer/devhost`. */
    stateDir?: string;
    /** Names this host's receipts, timer status and blob queue; default from the app folder. */
    hostId?: string;
    env?: Env;
    logger?: HostLogger;
    clock?: Clock;
    /** Durable work polling (ms); default 250. */
    pollMs?: number;
    /** Activity lease (ms): after a crash, a started activity runs again once it lapses; default 30000. */
    leaseMs?: number;
    /** Blob container scan interval (ms); default 10000 as the host's classic scanner, 1000 for Event Grid-sourced triggers. */
    blobScanMs?: number;
    /** Blob trigger queue poll (ms); default 1000. */
    blobQueuePollMs?: number;
    /** Delay before a failed blob trigger message is retried (ms); default 0 (the queue default). */
    blobRetryDelayMs?: number;
}

const SUPPORTED = ['httpTrigger', 'timerTrigger', 'blobTrigger', 'orchestrationTrigger', 'activityTrigger'];

export function defaultHostId(appRoot: string): string {
    const base = path
        .basename(path.resolve(appRoot))
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .replace(/^-+|-+$/g, '');
    return (base || 'devhost').slice(0, 32);
}

/** The offline Functions host: loads the app, serves HTTP, runs timers, blobs and durable work. */
export class DevHost {
    readonly #timers: TimerTrigger[] = [];
    readonly #loops: PollLoop[] = [];

    private constructor(
        readonly registry: FunctionRegistry,
        readonly config: HostConfig,
        readonly keys: HostKeys,
        readonly server: HostServer,
        readonly durable: DurableEngine,
        readonly binding: ClientBindingData,
        readonly blob: BlobTriggerListener | undefined,
        readonly log: HostLogger,
    ) {}

    get origin(): string {
        return this.server.origin;
    }

    get service(): DurableService {
        return this.durable.service;
    }

    get timers(): readonly TimerTrigger[] {
        return this.#timers;
    }

    static async start(opts: HostOptions): Promise<DevHost> {
        const env = opts.env ?? process.env;
        const log = opts.logger ?? createLogger();
        const clock = opts.clock ?? systemClock;
        const appRoot = path.resolve(opts.appRoot);
        const config = readHostConfig(appRoot, env);
        const app = loadApp(appRoot);
        const registry = app.registry;
        registry.onCoreLog = (level, category, message) => {
            if (level === 'warning' || level === 'error' || level === 'critical')
                log.host(`[${category}] ${message}`, level);
        };
        const active = DevHost.report(registry, env, log);
        await startApp(app, appRoot);
        if (app.capabilities.HttpUri)
            log.host('The app enabled HTTP streaming, which the dev host does not support.', 'warning');

        const storage = storageClients(normalizeConnectionString(opts.connectionString));
        const hosts = storage.blobs.getContainerClient('azure-webjobs-hosts');
        await hosts.createIfNotExists();
        const stateDir = opts.stateDir ?? path.join(appRoot, '.retrainer', 'devhost');
        const keyFile = path.join(stateDir, 'keys.json');
        const { keys, created } = loadOrCreateKeys(keyFile);
        if (created) {
            log.host(
                `Generated host keys, stored in ${keyFile} (shown once): master=${keys.master} default=${keys.functionDefault}`,
            );
        }
        for (const k of [keys.master, keys.functionDefault, keys.durableSystem]) log.addSecret(k);

        const invoker = new Invoker(registry, log);
        const durable = new DurableEngine(storage, registry, invoker, log, {
            hubName: config.hubName,
            maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
            maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
            pollMs: opts.pollMs ?? 250,
            leaseMs: opts.leaseMs ?? 30000,
            clock,
        });
        const hostId = opts.hostId ?? defaultHostId(appRoot);
        const blobFns = active.filter((f) => f.trigger.type === 'blobTrigger');
        const blob = blobFns.length
            ? new BlobTriggerListener(
                  blobFns.map((fn) => ({ fn, blobs: storage.blobs })),
                  invoker,
                  hosts,
                  storage.queues.getQueueClient(`azure-webjobs-blobtrigger-${hostId}`),
                  storage.queues.getQueueClient('webjobs-blobtrigger-poison'),
                  log,
                  {
                      hostId,
                      maxDequeueCount: config.maxDequeueCount,
                      retryDelayMs: opts.blobRetryDelayMs ?? 0,
                      visibilityTimeoutMs: 600000,
                  },
              )
            : undefined;

        const routes = httpRoutes(
            active.filter((f) => f.trigger.type === 'httpTrigger'),
            config.routePrefix,
        );
        const ref: { host?: DevHost } = {};
        const server = new HostServer(
            [
                (req) => (ref.host ? ref.host.durableRequest(req) : Promise.resolve(undefined)),
                (req) => (ref.host ? ref.host.adminRequest(req) : Promise.resolve(undefined)),
                (req) => DevHost.httpRequest(routes, invoker, keys, req),
                (req) => Promise.resolve(req.url.pathname === '/' ? json(200, { state: 'Running' }) : undefined),
            ],
            log,
        );
        const origin = await server.listen(opts.port ?? 7071, opts.listenHost ?? '127.0.0.1');
        // durable-functions rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME names the host.
        process.env.WEBSITE_HOSTNAME = origin.replace(/^https?:\/\//, '');
        const binding = clientBindingData(origin, config.hubName, keys.durableSystem);
        invoker.extraInputProviders.push((_fn, _name, type) =>
            type === 'durableClient' || type === 'orchestrationClient'
                ? { string: JSON.stringify(binding) }
                : undefined,
        );
        const host = new DevHost(registry, config, keys, server, durable, binding, blob, log);
        ref.host = host;
        await durable.start();
        for (const fn of active.filter((f) => f.trigger.type === 'timerTrigger')) {
            const timer = new TimerTrigger(fn, invoker, hosts, hostId, log, clock);
            host.#timers.push(timer);
        }
        if (blob) {
            await blob.ensure();
            // Event Grid delivers a blob event within about a second; a scan that often stands in for it.
            const eventGrid = blobFns.some((f) => f.trigger.source === 'EventGrid');
            const scanMs = opts.blobScanMs ?? (eventGrid ? 1000 : 10000);
            if (eventGrid)
                log.host(`Blob triggers with source EventGrid: the dev host scans every ${scanMs} ms instead.`);
            host.#loops.push(new PollLoop('blob scan', scanMs, () => blob.scan().then(() => undefined), log));
            host.#loops.push(new PollLoop('blob queue', opts.blobQueuePollMs ?? 1000, () => blob.processQueue(), log));
        }
        for (const loop of host.#loops) loop.start();
        for (const timer of host.#timers) await timer.start();
        for (const r of routes)
            log.host(
                `${r.fn.id}: [${(r.methods ?? ['ALL']).join(',')}] ${origin}/${r.route.template} (${r.authLevel})`,
            );
        log.host(`Host started on ${origin} (task hub ${config.hubName}, ${active.length} functions)`);
        return host;
    }

    /** Lists functions, naming those the host will not run (unsupported trigger or disabled). */
    private static report(registry: FunctionRegistry, env: Env, log: HostLogger): RegisteredFunction[] {
        const active: RegisteredFunction[] = [];
        if (registry.functions.size === 0) {
            log.host(
                'No functions found: did the build run, and does package.json "main" name the entry files?',
                'warning',
            );
        }
        for (const fn of registry.functions.values()) {
            if (!SUPPORTED.includes(fn.trigger.type)) {
                log.host(
                    `Function '${fn.id}' has a '${fn.trigger.type}' trigger, which the dev host cannot serve; it will not run.`,
                    'warning',
                );
            } else if (isFunctionDisabled(fn.id, env)) {
                log.host(`Function '${fn.id}' is disabled by app setting.`);
            } else {
                active.push(fn);
            }
        }
        return active;
    }

    private static async httpRequest(
        routes: HttpRoute[],
        invoker: Invoker,
        keys: HostKeys,
        req: HostRequest,
    ): Promise<HostResponse | undefined> {
        const found = findRoute(routes, req.method, req.url.pathname);
        if (found === undefined || found === 'methodMismatch') return undefined;
        const denied = requireKey(found.route.authLevel, req, keys);
        if (denied) return denied;
        try {
            return await invokeHttp(invoker, found.route, found.params, req);
        } catch {
            return json(500, { Message: 'Exception while executing function.' });
        }
    }

    private async durableRequest(req: HostRequest): Promise<HostResponse | undefined> {
        if (!isDurableApiPath(req.url.pathname)) return undefined;
        return requireKey('system', req, this.keys) ?? (await handleDurableApi(this.service, this.binding, req));
    }

    /** POST /admin/functions/{name}: run a timer now, as the host's admin API does. */
    private adminRequest(req: HostRequest): Promise<HostResponse | undefined> {
        const m = /^\/admin\/functions\/([^/]+)$/.exec(req.url.pathname);
        if (!m || req.method !== 'POST') return Promise.resolve(undefined);
        const denied = requireKey('admin', req, this.keys);
        if (denied) return Promise.resolve(denied);
        const timer = this.#timers.find((t) => t.name === decodeURIComponent(m[1] ?? ''));
        if (!timer)
            return Promise.resolve(json(404, { Message: 'Only timer functions can be run from the admin API here.' }));
        void timer.runNow();
        return Promise.resolve({ status: 202 });
    }

    async stop(): Promise<void> {
        for (const t of this.#timers) await t.stop();
        for (const l of this.#loops) await l.stop();
        await this.durable.stop();
        await this.server.close();
        await terminateApp(this.registry);
        this.log.host('Host stopped');
    }
}
