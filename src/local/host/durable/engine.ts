import { randomUUID } from 'node:crypto';

import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { FunctionRegistry } from '../core/registry';
import { StorageClients } from '../storage/clients';
import type { EventSemantics } from '../semantics/events';
import type { Loop, LoopFactory } from '../semantics/queues';
import { StartSemantics } from '../semantics/starts';
import { ActivitySemantics } from '../semantics/activities';
import { PollLoop } from '../util/pollLoop';
import { ActivityWorker } from './activityWorker';
import { Clock } from './clock';
import { OrchestrationDispatcher } from './dispatcher';
import { DurableService } from './service';
import { TaskHubStore } from './store';

export interface DurableEngineOptions {
    hubName: string;
    maxConcurrentActivityFunctions: number;
    maxConcurrentOrchestratorFunctions: number;
    pollMs: number;
    leaseMs: number;
    clock: Clock;
    /** How starts behave (semantics/starts.ts); the dev host's own by default. */
    starts?: StartSemantics;
    /** Events raised to Pending instances (semantics/events.ts); never dropped by default. */
    events?: EventSemantics;
    /** The polling loops (semantics/queues.ts: idle-queue latency); PollLoop by default. */
    loop?: LoopFactory;
    /** The azure semantics profile's activity faults; absent by default. */
    activitySemantics?: ActivitySemantics;
}

/** The task hub, its orchestration dispatcher and activity worker, and the client-side service. */
export class DurableEngine {
    readonly store: TaskHubStore;
    readonly service: DurableService;
    readonly dispatcher: OrchestrationDispatcher;
    readonly activities: ActivityWorker;
    readonly #orchestrationLoop: Loop;
    readonly #activityLoop: Loop;

    constructor(
        storage: StorageClients,
        registry: FunctionRegistry,
        invoker: Invoker,
        log: HostLogger,
        opts: DurableEngineOptions,
    ) {
        this.store = new TaskHubStore(storage, opts.hubName);
        const wakeAll = (): void => {
            this.#orchestrationLoop.wake();
            this.#activityLoop.wake();
        };
        this.dispatcher = new OrchestrationDispatcher(
            this.store,
            registry,
            invoker,
            log,
            opts.clock,
            opts.maxConcurrentOrchestratorFunctions,
            wakeAll,
            opts.activitySemantics,
        );
        this.activities = new ActivityWorker(
            this.store,
            registry,
            invoker,
            log,
            opts.clock,
            {
                owner: `${process.pid}-${randomUUID().slice(0, 8)}`,
                leaseMs: opts.leaseMs,
                concurrency: opts.maxConcurrentActivityFunctions,
                semantics: opts.activitySemantics,
            },
            () => this.#orchestrationLoop.wake(),
        );
        this.service = new DurableService(
            this.store,
            registry,
            opts.clock,
            () => this.#orchestrationLoop.wake(),
            opts.starts,
        );
        this.service.events = opts.events;
        const loop = opts.loop ?? ((label, ms, tick) => new PollLoop(label, ms, tick, log));
        this.#orchestrationLoop = loop(
            'durable orchestrations',
            opts.pollMs,
            () => this.dispatcher.tick(),
            'durable-control',
        );
        this.#activityLoop = loop('durable activities', opts.pollMs, () => this.activities.tick(), 'durable-work-item');
    }

    async start(): Promise<void> {
        await this.store.ensure();
        this.#orchestrationLoop.start();
        this.#activityLoop.start();
    }

    async stop(): Promise<void> {
        await this.#orchestrationLoop.stop();
        await this.#activityLoop.stop();
        await this.activities.drain();
    }
}
