import { randomUUID } from 'node:crypto';

import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { FunctionRegistry } from '../core/registry';
import { StorageClients } from '../storage/clients';
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
    /** The azure semantics profile's activity faults; absent by default. */
    activitySemantics?: ActivitySemantics;
}

/** The task hub, its orchestration dispatcher and activity worker, and the client-side service. */
export class DurableEngine {
    readonly store: TaskHubStore;
    readonly service: DurableService;
    readonly dispatcher: OrchestrationDispatcher;
    readonly activities: ActivityWorker;
    readonly #orchestrationLoop: PollLoop;
    readonly #activityLoop: PollLoop;

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
        this.service = new DurableService(this.store, registry, opts.clock, () => this.#orchestrationLoop.wake());
        this.#orchestrationLoop = new PollLoop(
            'durable orchestrations',
            opts.pollMs,
            () => this.dispatcher.tick(),
            log,
        );
        this.#activityLoop = new PollLoop('durable activities', opts.pollMs, () => this.activities.tick(), log);
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
