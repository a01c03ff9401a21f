import { randomUUID } from 'node:crypto';

import { FunctionRegistry } from '../core/registry';
import { Clock } from './clock';
import { event, EventType, HistoryEvent } from './history';
import { messageId } from './inboxTable';
import { createInstance, newInstanceRecord } from './instances';
import { InstanceFilter } from './instanceTable';
import { InstanceRecord, isTerminal, RuntimeStatus } from './records';
import type { EventSemantics } from '../semantics/events';
import { defaultStarts, RaceWindow, StartSemantics } from '../semantics/starts';
import { TaskHubStore } from './store';

export class UnknownOrchestratorError extends Error {
    override name = 'UnknownOrchestratorError';
}

export interface StatusPayload {
    name: string;
    instanceId: string;
    runtimeStatus: RuntimeStatus;
    input: unknown;
    customStatus: unknown;
    output: unknown;
    createdTime: string;
    lastUpdatedTime: string;
    historyEvents?: Record<string, unknown>[];
}

export interface StatusOptions {
    showHistory?: boolean;
    showHistoryOutput?: boolean;
    showInput?: boolean;
}

export type OperationOutcome = 'accepted' | 'notFound' | 'gone';

function parse(text: string | null): unknown {
    return text === null || text === '' ? null : (JSON.parse(text) as unknown);
}

/** `yyyy-MM-ddTHH:mm:ssZ`, the extension's status timestamp format. */
function statusTime(d: Date): string {
    return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The client side of the task hub: what the durable HTTP API (and so DurableClient) calls. */
export class DurableService {
    readonly #raceWindow = new RaceWindow();
    /** Events raised to Pending instances (semantics/events.ts); never dropped when unset. */
    events: EventSemantics | undefined;

    constructor(
        readonly store: TaskHubStore,
        private readonly registry: FunctionRegistry,
        private readonly clock: Clock,
        private readonly onWork: () => void = () => undefined,
        /** How starts behave (host.json's overridable states; the `azure` profile's race and 500). */
        public starts: StartSemantics = defaultStarts(),
    ) {}

    async startNew(name: string, instanceId: string | undefined, inputJson: string | undefined): Promise<string> {
        const fn = this.registry.get(name);
        if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
            throw new UnknownOrchestratorError(
                `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
            );
        }
        const id = instanceId || randomUUID().replace(/-/g, '');
        if (/[/\\#?]/.test(id) || id.length > 100)
            throw new UnknownOrchestratorError(`Instance id '${id}' is not valid.`);
        await createInstance(
            this.store,
            newInstanceRecord(id, name, inputJson || 'null', this.clock.now()),
            undefined,
            this.starts,
            this.#raceWindow,
        );
        this.onWork();
        return id;
    }

    async getStatus(instanceId: string, options: StatusOptions = {}): Promise<StatusPayload | undefined> {
        const inst = await this.store.getInstance(instanceId);
        if (!inst) return undefined;
        const status = this.toStatus(inst, options.showInput ?? true);
        if (options.showHistory) {
            const { events } = await this.store.loadHistory(instanceId, inst.executionId, inst.historySegments);
            status.historyEvents = summarizeHistory(events, options.showHistoryOutput ?? false);
        }
        return status;
    }

    async list(filter: InstanceFilter, showInput = false): Promise<StatusPayload[]> {
        return (await this.store.listInstances(filter)).map((i) => this.toStatus(i, showInput));
    }

    async raiseEvent(instanceId: string, eventName: string, dataJson: string): Promise<OperationOutcome> {
        const inst = await this.store.getInstance(instanceId);
        if (!inst) return 'notFound';
        if (isTerminal(inst.runtimeStatus)) return 'gone';
        // Accepted, then lost: what the Azure Storage provider can do to a Pending instance's event.
        if (inst.runtimeStatus === 'Pending' && this.events?.dropRaisedToPending(instanceId, eventName))
            return 'accepted';
        const now = this.clock.now();
        await this.store.send({
            id: messageId(now, `event-${randomUUID()}`),
            instanceId,
            executionId: '',
            event: event(EventType.EventRaised, -1, now.toISOString(), { Name: eventName, Input: dataJson }),
            visibleAt: now,
        });
        this.onWork();
        return 'accepted';
    }

    async terminate(instanceId: string, reason: string): Promise<OperationOutcome> {
        const inst = await this.store.getInstance(instanceId);
        if (!inst) return 'notFound';
        if (isTerminal(inst.runtimeStatus)) return 'gone';
        const now = this.clock.now();
        await this.store.send({
            id: messageId(now, `terminate-${randomUUID()}`),
            instanceId,
            executionId: '',
            event: event(EventType.ExecutionTerminated, -1, now.toISOString(), { Input: JSON.stringify(reason) }),
            visibleAt: now,
        });
        this.onWork();
        return 'accepted';
    }

    async purge(instanceId: string): Promise<number> {
        return (await this.store.purge(instanceId)) ? 1 : 0;
    }

    /** Purges finished instances matching the filter (running ones are kept, as the extension does). */
    async purgeBy(filter: InstanceFilter): Promise<number> {
        let n = 0;
        for (const inst of await this.store.listInstances(filter)) {
            if (isTerminal(inst.runtimeStatus) && (await this.store.purge(inst.instanceId))) n++;
        }
        return n;
    }

    private toStatus(inst: InstanceRecord, showInput: boolean): StatusPayload {
        return {
            name: inst.name,
            instanceId: inst.instanceId,
            runtimeStatus: inst.runtimeStatus,
            input: showInput ? parse(inst.input) : null,
            customStatus: parse(inst.customStatus),
            output: parse(inst.output),
            createdTime: statusTime(inst.createdTime),
            lastUpdatedTime: statusTime(inst.lastUpdatedTime),
        };
    }
}

const SHOWN: Partial<Record<EventType, string>> = {
    [EventType.ExecutionStarted]: 'ExecutionStarted',
    [EventType.ExecutionCompleted]: 'ExecutionCompleted',
    [EventType.ExecutionTerminated]: 'ExecutionTerminated',
    [EventType.TaskCompleted]: 'TaskCompleted',
    [EventType.TaskFailed]: 'TaskFailed',
    [EventType.SubOrchestrationInstanceCompleted]: 'SubOrchestrationInstanceCompleted',
    [EventType.SubOrchestrationInstanceFailed]: 'SubOrchestrationInstanceFailed',
    [EventType.TimerFired]: 'TimerFired',
    [EventType.EventRaised]: 'EventRaised',
};

/** The status API's historyEvents (simplified to the fields a developer reads). */
function summarizeHistory(events: HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
    const scheduled = new Map(events.filter((e) => e.EventId >= 0).map((e) => [e.EventId, e]));
    return events
        .filter((e) => SHOWN[e.EventType] !== undefined)
        .map((e) => {
            const s: Record<string, unknown> = { EventType: SHOWN[e.EventType], Timestamp: e.Timestamp };
            if (e.EventType === EventType.ExecutionStarted || e.EventType === EventType.EventRaised)
                s.FunctionName = e.Name;
            const origin = e.TaskScheduledId !== undefined ? scheduled.get(e.TaskScheduledId) : undefined;
            if (origin) {
                s.FunctionName = origin.Name;
                s.ScheduledTime = origin.Timestamp;
            }
            if (withOutput && typeof e.Result === 'string') s.Result = JSON.parse(e.Result) as unknown;
            if (e.Reason) s.Reason = e.Reason;
            if (e.FireAt) s.FireAt = e.FireAt;
            if (e.OrchestrationStatus) s.OrchestrationStatus = e.OrchestrationStatus;
            return s;
        });
}
