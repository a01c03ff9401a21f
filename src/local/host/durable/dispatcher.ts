import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { FunctionRegistry } from '../core/registry';
import { ActivitySemantics } from '../semantics/activities';
import { Semaphore } from '../util/semaphore';
import { Clock } from './clock';
import { commitEpisode } from './commit';
import { classify, Ending, parseJson } from './delivery';
import { runEpisode } from './episode';
import { InstanceRecord, isTerminal } from './records';
import { TaskHubStore } from './store';

/**
 * Drives orchestration instances: picks instances with due inbox messages (or a pending start),
 * runs one episode each through the SDK, and commits it. Commit order makes a crash at any point
 * safe: outgoing work first (idempotent ids), then history rows, then the instance row under its
 * ETag (the commit point; losing the ETag race discards the episode), then the consumed messages.
 */
export class OrchestrationDispatcher {
    readonly #inFlight = new Set<string>();
    readonly #backoff = new Map<string, number>();
    readonly #semaphore: Semaphore;

    constructor(
        private readonly store: TaskHubStore,
        private readonly registry: FunctionRegistry,
        private readonly invoker: Invoker,
        private readonly log: HostLogger,
        private readonly clock: Clock,
        concurrency: number,
        private readonly onWork: () => void = () => undefined,
        private readonly semantics?: ActivitySemantics,
    ) {
        this.#semaphore = new Semaphore(concurrency);
    }

    /**
     * One poll: start an episode for every ready instance not already being processed here. True
     * when it started any (the azure profile's poll loop resets its backoff then).
     */
    async tick(): Promise<boolean> {
        const now = this.clock.now();
        const ids = new Set([
            ...(await this.store.instancesNeedingStart()),
            ...(await this.store.instancesWithDueMessages(now)),
        ]);
        const work: Promise<void>[] = [];
        for (const id of ids) {
            if (this.#inFlight.has(id) || (this.#backoff.get(id) ?? 0) > now.getTime()) continue;
            this.#inFlight.add(id);
            work.push(
                this.#semaphore
                    .run(() => this.process(id))
                    .catch((err: unknown) => {
                        this.#backoff.set(id, Date.now() + 1000);
                        this.log.host(
                            `orchestration ${id}: ${err instanceof Error ? err.message : String(err)}`,
                            'error',
                        );
                    })
                    .finally(() => this.#inFlight.delete(id)),
            );
        }
        await Promise.all(work);
        return work.length > 0;
    }

    get idle(): boolean {
        return this.#inFlight.size === 0;
    }

    /** Processes one instance until it has nothing due (several episodes when events keep coming). */
    async process(instanceId: string): Promise<void> {
        for (let i = 0; i < 100; i++) {
            if (!(await this.episode(instanceId))) return;
        }
    }

    /** Returns true when an episode was committed (there may be more to do). */
    private async episode(instanceId: string): Promise<boolean> {
        const inst = await this.store.getInstance(instanceId);
        const now = this.clock.now();
        const msgs = await this.store.visibleMessages(instanceId, now);
        if (!inst?.etag) {
            await this.store.deleteMessages(
                instanceId,
                msgs.map((m) => m.id),
            );
            return false;
        }
        // A suspended instance runs nothing; its messages wait for a resume, as in the extension
        // (events to a Suspended orchestration are kept until it is resumed).
        if (inst.runtimeStatus === 'Suspended') return false;
        if (isTerminal(inst.runtimeStatus)) {
            await this.store.deleteMessages(
                instanceId,
                msgs.map((m) => m.id),
            );
            return false;
        }
        const {
            events: past,
            consumed,
            next: start,
        } = await this.store.loadHistory(instanceId, inst.executionId, inst.historySegments);
        const { deliver, drop } = classify(inst, past, consumed, msgs);
        if (deliver.length === 0 && !inst.needsStart) {
            await this.store.deleteMessages(instanceId, drop);
            return false;
        }
        const ep = await runEpisode(this.registry, this.invoker, inst, past, deliver, now);
        const base = { inst, etag: inst.etag, start, delivered: deliver.map((m) => m.id), dropped: drop };
        const next = await commitEpisode(this.store, this.log, base, ep, now, this.semantics);
        if (!next) return false;
        const { ending, out } = ep;
        if (ending) this.logEnding(inst, ending);
        if (ending?.status === 'ContinuedAsNew') await this.store.deleteHistoryExcept(instanceId, next.executionId);
        else if (ending) await this.store.clearWorkItems(instanceId);
        if (out.workItems.length || out.messages.length || out.children.length) this.onWork();
        return true;
    }

    private logEnding(inst: InstanceRecord, ending: Ending): void {
        const level = ending.status === 'Failed' ? 'error' : 'information';
        const detail = ending.status === 'Failed' ? `: ${String(parseJson(ending.output))}` : '';
        this.log.host(`Orchestration '${inst.name}' (${inst.instanceId}) ${ending.status}${detail}`, level);
    }
}
