import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { FunctionRegistry } from '../core/registry';
import { fromTypedData } from '../core/typedData';
import { Clock } from './clock';
import { event, EventType, HistoryEvent } from './history';
import { messageId } from './inboxTable';
import { isTerminal, WorkItem } from './records';
import { ActivitySemantics } from '../semantics/activities';
import { TaskHubStore } from './store';

export interface ActivityWorkerOptions {
    /** Identifies this host process on leases. */
    owner: string;
    /** A crashed host's activity runs again once its lease lapses. */
    leaseMs: number;
    concurrency: number;
    /** The azure semantics profile's activity faults (duplicate copies); absent by default. */
    semantics?: ActivitySemantics;
}

function errorDetails(err: unknown): { message: string; details: string } {
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error ? err.stack : undefined;
    return { message, details: JSON.stringify({ Message: message, StackTrace: stack ?? null }) };
}

/**
 * Runs activity work items: leases one (ETag-conditional, so two hosts never both run it), keeps the
 * lease alive while it runs, sends TaskCompleted/TaskFailed to the instance's inbox, marks it done.
 */
export class ActivityWorker {
    readonly #running = new Map<string, Promise<void>>();

    constructor(
        private readonly store: TaskHubStore,
        private readonly registry: FunctionRegistry,
        private readonly invoker: Invoker,
        private readonly log: HostLogger,
        private readonly clock: Clock,
        private readonly options: ActivityWorkerOptions,
        private readonly onCompleted: () => void = () => undefined,
    ) {}

    /**
     * One poll: leases and starts claimable work items up to the free slots. True when it started
     * any, or when every slot is busy (a busy worker is not an idle queue, so it must not back off).
     */
    async tick(): Promise<boolean> {
        const free = this.options.concurrency - this.#running.size;
        if (free <= 0) return true;
        let started = 0;
        const now = this.clock.now();
        const candidates = await this.store.claimableWorkItems(now, free * 2);
        for (const item of candidates) {
            if (this.#running.size >= this.options.concurrency) break;
            const key = `${item.instanceId}/${item.executionId}/${item.taskScheduledId}/${item.resent ?? 0}`;
            if (this.#running.has(key)) continue;
            const leased = await this.store.lease(
                item,
                this.options.owner,
                new Date(now.getTime() + this.options.leaseMs),
            );
            if (!leased) continue;
            const run = this.run(leased)
                .catch((err: unknown) =>
                    this.log.host(
                        `activity ${item.name}: ${err instanceof Error ? err.message : String(err)}`,
                        'error',
                    ),
                )
                .finally(() => this.#running.delete(key));
            this.#running.set(key, run);
            started++;
        }
        return started > 0;
    }

    /** Waits for activities already running (graceful stop). */
    async drain(): Promise<void> {
        await Promise.all(this.#running.values());
    }

    get busy(): number {
        return this.#running.size;
    }

    private async run(item: WorkItem): Promise<void> {
        const inst = await this.store.getInstance(item.instanceId);
        if (!inst || isTerminal(inst.runtimeStatus) || inst.executionId !== item.executionId) {
            await this.store.markDone(item);
            return;
        }
        let current = item;
        const renew = setInterval(
            () => {
                const until = new Date(this.clock.now().getTime() + this.options.leaseMs);
                void this.store.lease(current, this.options.owner, until).then((next) => {
                    if (next) current = next;
                });
            },
            Math.max(50, Math.floor(this.options.leaseMs / 3)),
        );
        let results: HistoryEvent[];
        try {
            const semantics = this.options.semantics;
            results = semantics
                ? await semantics.execute(item, (beforeFunction) => this.execute(item, beforeFunction))
                : [await this.execute(item)];
        } finally {
            clearInterval(renew);
        }
        const copy = item.resent ? `-r${item.resent}` : '';
        for (const [i, result] of results.entries()) {
            const now = this.clock.now();
            await this.store.send({
                id: messageId(now, `task-${item.executionId}-${item.taskScheduledId}${copy}${i ? `-c${i}` : ''}`),
                instanceId: item.instanceId,
                executionId: item.executionId,
                event: result,
                retry: item.retry,
                visibleAt: now,
            });
        }
        await this.store.markDone(current);
        this.onCompleted();
    }

    private async execute(item: WorkItem, beforeFunction?: () => Promise<void>): Promise<HistoryEvent> {
        const ts = () => this.clock.now().toISOString();
        const fn = this.registry.get(item.name);
        if (!fn || fn.trigger.type !== 'activityTrigger') {
            return event(EventType.TaskFailed, -1, ts(), {
                TaskScheduledId: item.taskScheduledId,
                Reason: `The function '${item.name}' doesn't exist, is disabled, or is not an activity function.`,
                Details: null,
            });
        }
        try {
            const { response } = await this.invoker.invoke(item.name, {
                inputData: [{ name: fn.triggerName, data: item.input === null ? undefined : { string: item.input } }],
                triggerMetadata: { instanceId: { string: item.instanceId } },
                reason: `Activity of orchestration ${item.instanceId}`,
                beforeFunction,
            });
            const value = fromTypedData(response.returnValue);
            return event(EventType.TaskCompleted, -1, ts(), {
                TaskScheduledId: item.taskScheduledId,
                Result: value === undefined ? null : JSON.stringify(value),
            });
        } catch (err: unknown) {
            const { message, details } = errorDetails(err);
            return event(EventType.TaskFailed, -1, ts(), {
                TaskScheduledId: item.taskScheduledId,
                Reason: `Activity function '${item.name}' failed: ${message}`,
                Details: details,
            });
        }
    }
}
