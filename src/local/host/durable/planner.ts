import { OrchestratorAction, processedInputJson, rawInputJson, retryDelayMs } from './actions';
import { ActionType, event, EventType, HistoryEvent } from './history';
import { messageId } from './inboxTable';
import { InboxMessage, InstanceRecord, ParentRef, RetryState, RetryTarget, WorkItem } from './records';

export class UnsupportedActionError extends Error {
    override name = 'UnsupportedActionError';
}

/** A sub-orchestration to create, with where its result goes. */
export interface ChildStart {
    instanceId: string;
    name: string;
    input: string;
    parent: ParentRef;
}

/** What an episode sends out, written before the instance row commits (idempotent ids). */
export interface Outgoing {
    workItems: WorkItem[];
    messages: InboxMessage[];
    children: ChildStart[];
}

export function emptyOutgoing(): Outgoing {
    return { workItems: [], messages: [], children: [] };
}

/** Turns new actions into the history events the Durable extension writes and the work they start. */
export class EpisodePlanner {
    readonly events: HistoryEvent[] = [];
    readonly out = emptyOutgoing();

    constructor(
        private readonly inst: InstanceRecord,
        private nextEventId: number,
        private readonly now: Date,
    ) {}

    private get ts(): string {
        return this.now.toISOString();
    }

    schedule(action: OrchestratorAction): void {
        switch (action.actionType) {
            case ActionType.CallActivity:
            case ActionType.CallActivityWithRetry: {
                const target: RetryTarget = {
                    type: 'activity',
                    name: action.functionName ?? '',
                    input: processedInputJson(action.input),
                };
                const retry =
                    action.actionType === ActionType.CallActivityWithRetry && action.retryOptions
                        ? { kind: 'attempt' as const, attempt: 1, options: action.retryOptions, target }
                        : undefined;
                this.start(target, retry);
                return;
            }
            case ActionType.CallSubOrchestrator:
            case ActionType.CallSubOrchestratorWithRetry: {
                const target: RetryTarget = {
                    type: 'sub',
                    name: action.functionName ?? '',
                    input: rawInputJson(action.input),
                    instanceId: action.instanceId ?? '',
                };
                const retry =
                    action.actionType === ActionType.CallSubOrchestratorWithRetry && action.retryOptions
                        ? { kind: 'attempt' as const, attempt: 1, options: action.retryOptions, target }
                        : undefined;
                this.start(target, retry);
                return;
            }
            case ActionType.CreateTimer: {
                const id = this.nextEventId++;
                const fireAt = new Date(action.fireAt ?? this.ts);
                this.events.push(event(EventType.TimerCreated, id, this.ts, { FireAt: fireAt.toISOString() }));
                if (!action.isCanceled) this.timer(id, fireAt);
                return;
            }
            case ActionType.WaitForExternalEvent:
            case ActionType.ContinueAsNew:
                // No event id: a raised event is matched by name; continue-as-new is handled at the end.
                return;
            default:
                throw new UnsupportedActionError(
                    `The dev host does not implement durable action type ${String(action.actionType)} (entities and callHttp are not supported).`,
                );
        }
    }

    /**
     * After a retried task's event was delivered (always last in its batch): a failed attempt gets
     * a retry timer (even the last one, as DTFx does); a fired retry timer gets the next attempt.
     */
    continueRetry(delivered: InboxMessage): void {
        const r = delivered.retry;
        if (!r) return;
        const failed =
            delivered.event.EventType === EventType.TaskFailed ||
            delivered.event.EventType === EventType.SubOrchestrationInstanceFailed;
        if (r.kind === 'attempt' && failed) {
            const id = this.nextEventId++;
            const fireAt = new Date(this.now.getTime() + retryDelayMs(r.options, r.attempt));
            this.events.push(event(EventType.TimerCreated, id, this.ts, { FireAt: fireAt.toISOString() }));
            this.timer(id, fireAt, { ...r, kind: 'timer' });
        } else if (r.kind === 'timer' && r.attempt < r.options.maxNumberOfAttempts) {
            this.start(r.target, { ...r, kind: 'attempt', attempt: r.attempt + 1 });
        }
    }

    private start(target: RetryTarget, retry: RetryState | undefined): void {
        const id = this.nextEventId++;
        const { instanceId, executionId } = this.inst;
        if (target.type === 'activity') {
            this.events.push(
                event(EventType.TaskScheduled, id, this.ts, { Name: target.name, Version: '', Input: target.input }),
            );
            this.out.workItems.push({
                instanceId,
                executionId,
                taskScheduledId: id,
                name: target.name,
                input: target.input,
                retry,
                leaseOwner: '',
                leaseUntil: new Date(0),
                done: false,
            });
            return;
        }
        // Without an explicit id each attempt gets its own child, derived from the parent and event id.
        const childId = target.instanceId || `${instanceId}:${String(id).padStart(4, '0')}`;
        this.events.push(
            event(EventType.SubOrchestrationInstanceCreated, id, this.ts, {
                Name: target.name,
                Version: '',
                InstanceId: childId,
                Input: target.input,
            }),
        );
        this.out.children.push({
            instanceId: childId,
            name: target.name,
            input: target.input,
            parent: { instanceId, executionId, taskScheduledId: id, retry },
        });
    }

    private timer(id: number, fireAt: Date, retry?: RetryState): void {
        this.out.messages.push({
            id: messageId(fireAt, `timer-${this.inst.executionId}-${id}`),
            instanceId: this.inst.instanceId,
            executionId: this.inst.executionId,
            event: event(EventType.TimerFired, -1, fireAt.toISOString(), { TimerId: id, FireAt: fireAt.toISOString() }),
            retry,
            visibleAt: fireAt,
        });
    }
}
