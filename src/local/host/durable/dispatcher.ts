import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { FunctionRegistry } from '../core/registry';
import { Semaphore } from '../util/semaphore';
import { flattenActions, OrchestratorState, processedInputJson } from './actions';
import { Clock } from './clock';
import { classify, Ending, nextEventId, parentNotice, parseJson } from './delivery';
import { ActionType, event, EventType, HistoryEvent } from './history';
import { createInstance, InstanceExistsError, newExecutionId, newInstanceRecord } from './instances';
import { EpisodeResult, runOrchestratorEpisode } from './orchestratorCall';
import { ChildStart, EpisodePlanner, Outgoing, emptyOutgoing } from './planner';
import { InboxMessage, InstanceRecord, isTerminal } from './records';
import { appendSegment } from './rows';
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
    ) {
        this.#semaphore = new Semaphore(concurrency);
    }

    /** One poll: start an episode for every ready instance not already being processed here. */
    async tick(): Promise<void> {
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
        const ts = now.toISOString();
        const fresh: HistoryEvent[] = [event(EventType.OrchestratorStarted, -1, ts)];
        if (inst.needsStart) {
            fresh.push(
                event(EventType.ExecutionStarted, -1, ts, {
                    Name: inst.name,
                    Version: '',
                    Input: inst.input,
                    OrchestrationInstance: { InstanceId: inst.instanceId, ExecutionId: inst.executionId },
                    ParentInstance: inst.parent
                        ? { OrchestrationInstance: { InstanceId: inst.parent.instanceId } }
                        : null,
                }),
            );
        }
        const terminate = deliver.find((m) => m.event.EventType === EventType.ExecutionTerminated);
        let planner = new EpisodePlanner(inst, nextEventId(past), now);
        let ending: Ending | undefined;
        let customStatus = inst.customStatus;
        let knownActions = inst.knownActions;
        if (terminate) {
            fresh.push({ ...terminate.event, Timestamp: ts });
            ending = { status: 'Terminated', output: terminate.event.Input ?? 'null' };
        } else {
            fresh.push(...deliver.map((m) => ({ ...m.event, Timestamp: m.event.Timestamp || ts })));
            const result = await runOrchestratorEpisode(this.registry, this.invoker, {
                name: inst.name,
                instanceId,
                parentInstanceId: inst.parent?.instanceId ?? null,
                input: parseJson(inst.input),
                past,
                fresh,
            }).catch((err: unknown): EpisodeResult => ({
                state: { isDone: false, actions: [[]], error: err instanceof Error ? err.message : String(err) },
                failed: true,
            }));
            if (result.state.customStatus !== undefined) customStatus = JSON.stringify(result.state.customStatus);
            ending = this.scheduleActions(result.state, result.failed, inst, planner, deliver);
            if (ending?.status === 'Failed' && !result.failed)
                planner = new EpisodePlanner(inst, nextEventId(past), now);
            knownActions = flattenActions(result.state).length;
        }
        const newEvents = [...fresh, ...planner.events, event(EventType.OrchestratorCompleted, -1, ts)];
        if (ending && ending.status !== 'ContinuedAsNew') {
            newEvents.push(
                event(EventType.ExecutionCompleted, -1, ts, {
                    OrchestrationStatus: ending.status,
                    Result: ending.output,
                }),
            );
        }
        const out = ending && ending.status !== 'ContinuedAsNew' ? emptyOutgoing() : planner.out;
        if (ending && inst.parent) out.messages.push(parentNotice(inst, inst.parent, ending, now));

        await this.writeOutgoing(out, now);
        // Insert-only after every row written so far: an episode racing this one either collides here
        // (and one of the two is discarded) or loses at the instance row; neither overwrites the other.
        if (
            !(await this.store.writeHistory(
                instanceId,
                inst.executionId,
                start,
                newEvents,
                deliver.map((m) => m.id),
            ))
        ) {
            this.log.host(`orchestration ${instanceId}: another host is writing this episode; discarded`, 'warning');
            return false;
        }
        const next: InstanceRecord = {
            ...inst,
            runtimeStatus: ending ? ending.status : 'Running',
            output: ending && ending.status !== 'ContinuedAsNew' ? ending.output : null,
            customStatus,
            lastUpdatedTime: now,
            historyCount: inst.historyCount + newEvents.length,
            historySegments: appendSegment(inst.historySegments, start, newEvents.length),
            knownActions,
            needsStart: false,
        };
        if (ending?.status === 'ContinuedAsNew') {
            Object.assign(next, {
                executionId: newExecutionId(),
                historyCount: 0,
                historySegments: [],
                knownActions: 0,
                needsStart: true,
                input: ending.nextInput ?? 'null',
            });
        }
        if (!(await this.store.replaceInstance(next, inst.etag))) {
            this.log.host(`orchestration ${instanceId}: another host committed first; episode discarded`, 'warning');
            return false;
        }
        await this.store.deleteMessages(instanceId, [...deliver.map((m) => m.id), ...drop]);
        if (ending) this.logEnding(inst, ending);
        if (ending?.status === 'ContinuedAsNew') await this.store.deleteHistoryExcept(instanceId, next.executionId);
        else if (ending) await this.store.clearWorkItems(instanceId);
        if (out.workItems.length || out.messages.length || out.children.length) this.onWork();
        return true;
    }

    /** Plans the new actions; returns how the execution ended, if it did. */
    private scheduleActions(
        state: OrchestratorState,
        failed: boolean,
        inst: InstanceRecord,
        planner: EpisodePlanner,
        deliver: InboxMessage[],
    ): Ending | undefined {
        if (failed) {
            return {
                status: 'Failed',
                output: JSON.stringify(
                    `Orchestrator function '${inst.name}' failed: ${state.error ?? 'unknown error'}`,
                ),
            };
        }
        const flat = flattenActions(state);
        try {
            for (const action of flat.slice(inst.knownActions)) planner.schedule(action);
        } catch (err: unknown) {
            return {
                status: 'Failed',
                output: JSON.stringify(
                    `Orchestrator function '${inst.name}' failed: ${err instanceof Error ? err.message : String(err)}`,
                ),
            };
        }
        if (state.isDone) {
            const can = flat.find((a) => a.actionType === ActionType.ContinueAsNew);
            if (can)
                return { status: 'ContinuedAsNew', output: null, nextInput: processedInputJson(can.input) ?? 'null' };
            return { status: 'Completed', output: JSON.stringify(state.output === undefined ? null : state.output) };
        }
        const last = deliver[deliver.length - 1];
        if (last) planner.continueRetry(last);
        return undefined;
    }

    private async writeOutgoing(out: Outgoing, now: Date): Promise<void> {
        for (const child of out.children) await this.startChild(child, now);
        for (const item of out.workItems) await this.store.addWorkItem(item);
        for (const msg of out.messages) await this.store.send(msg);
    }

    private async startChild(child: ChildStart, now: Date): Promise<void> {
        const same = (existing: InstanceRecord | undefined): boolean => {
            const p = existing?.parent;
            return (
                p !== undefined &&
                p.instanceId === child.parent.instanceId &&
                p.taskScheduledId === child.parent.taskScheduledId &&
                p.executionId === child.parent.executionId
            );
        };
        // A replayed commit re-creates the same child: leave the one already running.
        if (same(await this.store.getInstance(child.instanceId))) return;
        try {
            // Another host running the same episode may create it between that read and this insert:
            // that is the same child too, not a conflict to report to the parent.
            await createInstance(
                this.store,
                newInstanceRecord(child.instanceId, child.name, child.input, now, child.parent),
                same,
            );
        } catch (err: unknown) {
            if (!(err instanceof InstanceExistsError)) throw err;
            await this.store.send(
                parentNotice(
                    { instanceId: child.instanceId, executionId: '', name: child.name },
                    child.parent,
                    { status: 'Failed', output: JSON.stringify(err.message) },
                    now,
                ),
            );
        }
    }

    private logEnding(inst: InstanceRecord, ending: Ending): void {
        const level = ending.status === 'Failed' ? 'error' : 'information';
        const detail = ending.status === 'Failed' ? `: ${String(parseJson(ending.output))}` : '';
        this.log.host(`Orchestration '${inst.name}' (${inst.instanceId}) ${ending.status}${detail}`, level);
    }
}
