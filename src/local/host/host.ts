import path from 'node:path';

import { HostConfig, readHostConfig } from './config/hostJson';
import { normalizeConnectionString } from './config/storage';
import { Invoker } from './core/invoker';
import { loadApp, startApp, terminateApp } from './core/loader';
import { createLogger, HostLogger } from './core/log';
import { FunctionRegistry } from './core/registry';
import { ClientBindingData, clientBindingData, clientBindingInput } from './durable/clientBinding';
import { systemClock } from './durable/clock';
import { DurableEngine } from './durable/engine';
import { DurableService } from './durable/service';
import { activeFunctions, reportRoutes } from './functionReport';
import { defaultHostId, HostOptions } from './hostOptions';
import { devPrincipal } from './http/easyAuth';
import { hostHandlers } from './http/hostHandlers';
import { httpRoutes } from './http/httpTrigger';
import { HostKeys, openHostKeys } from './http/keys';
import { HostServer } from './http/server';
import { storageClients } from './storage/clients';
import { BlobTriggerListener } from './triggers/blob';
import { createBlobListener, startBlobLoops } from './triggers/blobSetup';
import { TimerTrigger, timerSchedule } from './triggers/timer';
import { registerEmulatorCredential } from '../studio/emulatorCredential';
import { ActivitySemantics } from './semantics/activities';
import { semanticsProfile, SemanticsProfile } from './semantics/profile';
import type { Loop } from './semantics/queues';
import { hostSemantics } from './semantics/wiring';

export { defaultHostId, type HostOptions } from './hostOptions';

/** The offline Functions host: loads the app, serves HTTP, runs timers, blobs and durable work. */
export class DevHost {
    readonly #timers: TimerTrigger[] = [];
    readonly #loops: Loop[] = [];
    private constructor(
        readonly registry: FunctionRegistry,
        readonly config: HostConfig,
        readonly keys: HostKeys,
        readonly server: HostServer,
        readonly durable: DurableEngine,
        readonly binding: ClientBindingData,
        readonly blob: BlobTriggerListener | undefined,
        readonly log: HostLogger,
        /** The semantics profile in force; its FaultLog lists every fault injected. */
        readonly semantics: SemanticsProfile,
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
        // The offline stack's ARM credential kind: the app's config may name it only when run here.
        registerEmulatorCredential();
        const app = loadApp(appRoot);
        const registry = app.registry;
        registry.onCoreLog = (level, category, message) => {
            if (level === 'warning' || level === 'error' || level === 'critical')
                log.host(`[${category}] ${message}`, level);
        };
        const active = activeFunctions(registry, env, log);
        // Before anything listens: a schedule the real host would never fire stops the start-up.
        for (const fn of active.filter((f) => f.trigger.type === 'timerTrigger')) timerSchedule(fn);
        await startApp(app, appRoot);
        if (app.capabilities.HttpUri)
            log.host('The app enabled HTTP streaming, which the dev host does not support.', 'warning');

        const storage = storageClients(normalizeConnectionString(opts.connectionString));
        const hosts = storage.blobs.getContainerClient('azure-webjobs-hosts');
        await hosts.createIfNotExists();
        const keys = openHostKeys(opts.stateDir ?? path.join(appRoot, '.retrainer', 'devhost'), log);

        const semantics = semanticsProfile(env, log, opts.semantics);
        if (semantics.name !== 'default') log.host(`Semantics profile '${semantics.name}' (seed ${semantics.seed})`);
        const invoker = new Invoker(registry, log);
        // One profile (--semantics or RETRAINER_HOST_SEMANTICS), one fault log: activities, starts,
        // events, blob delivery, queue latency.
        const sem = hostSemantics(semantics, env, opts.pollMs ?? 250, config.overridableExistingInstanceStates, log);
        const durable = new DurableEngine(storage, registry, invoker, log, {
            hubName: config.hubName,
            maxConcurrentActivityFunctions: config.maxConcurrentActivityFunctions,
            maxConcurrentOrchestratorFunctions: config.maxConcurrentOrchestratorFunctions,
            pollMs: opts.pollMs ?? 250,
            leaseMs: opts.leaseMs ?? 30000,
            clock,
            starts: sem.starts,
            ...(sem.events ? { events: sem.events } : {}),
            loop: sem.loop,
            activitySemantics: ActivitySemantics.of(semantics, env),
        });
        const hostId = opts.hostId ?? defaultHostId(appRoot);
        const blob = createBlobListener(active, storage, hosts, invoker, log, {
            hostId,
            maxDequeueCount: config.maxDequeueCount,
            maxParallelism: config.maxBlobParallelism,
            retryDelayMs: opts.blobRetryDelayMs ?? 0,
            ...(sem.injectFailure ? { injectFailure: sem.injectFailure } : {}),
            ...(sem.eventGrid ? { runChangedBlobs: true } : {}),
        });

        // The dev host stands in for App Service Authentication: the app trusts the principal
        // header only while WEBSITE_AUTH_ENABLED says a platform sets it.
        const principal = opts.principal === null ? undefined : (opts.principal ?? devPrincipal(env));
        if (principal) env.WEBSITE_AUTH_ENABLED ??= 'True';
        const routes = httpRoutes(
            active.filter((f) => f.trigger.type === 'httpTrigger'),
            config.routePrefix,
        );
        const ref: { host?: DevHost } = {};
        const server = new HostServer(
            hostHandlers(() => ref.host, routes, invoker, keys, principal),
            log,
        );
        const origin = await server.listen(opts.port ?? 7071, opts.listenHost ?? '127.0.0.1');
        // durable-functions rewrites client URLs to localhost:7071 unless WEBSITE_HOSTNAME names the host.
        process.env.WEBSITE_HOSTNAME = origin.replace(/^https?:\/\//, '');
        const binding = clientBindingData(origin, config.hubName, keys.durableSystem);
        const external = opts.externalDurableClient;
        if (external !== undefined) {
            // The real Durable extension (test/conformance) owns orchestrations: the app's clients
            // get its binding JSON, and this host's engine stays idle so nothing runs twice.
            const json = typeof external === 'string' ? () => external : external;
            invoker.extraInputProviders.push((_fn, _name, type) =>
                type === 'durableClient' || type === 'orchestrationClient' ? { string: json() } : undefined,
            );
        }
        invoker.extraInputProviders.push(clientBindingInput(binding));
        const host = new DevHost(registry, config, keys, server, durable, binding, blob, log, semantics);
        ref.host = host;
        if (external === undefined) await durable.start();
        for (const fn of active.filter((f) => f.trigger.type === 'timerTrigger')) {
            const timer = new TimerTrigger(fn, invoker, hosts, hostId, log, clock);
            host.#timers.push(timer);
        }
        if (blob) {
            const intervals = { scanMs: opts.blobScanMs, queuePollMs: opts.blobQueuePollMs };
            const eventGrid = sem.eventGrid?.(blob.watched, blob.queue);
            const blobSem = eventGrid ? { eventGrid, queueLoop: sem.loop } : undefined;
            host.#loops.push(...(await startBlobLoops(blob, active, intervals, log, blobSem)));
        }
        for (const timer of host.#timers) await timer.start();
        reportRoutes(routes, origin, log);
        log.host(`Host started on ${origin} (task hub ${config.hubName}, ${active.length} functions)`);
        return host;
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
