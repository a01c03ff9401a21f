/** Durable Task history event and action numbering, as durable-functions 3.x reads and writes them. */
export enum EventType {
    ExecutionStarted = 0,
    ExecutionCompleted = 1,
    ExecutionFailed = 2,
    ExecutionTerminated = 3,
    TaskScheduled = 4,
    TaskCompleted = 5,
    TaskFailed = 6,
    SubOrchestrationInstanceCreated = 7,
    SubOrchestrationInstanceCompleted = 8,
    SubOrchestrationInstanceFailed = 9,
    TimerCreated = 10,
    TimerFired = 11,
    OrchestratorStarted = 12,
    OrchestratorCompleted = 13,
    EventSent = 14,
    EventRaised = 15,
    ContinueAsNew = 16,
}

export enum ActionType {
    CallActivity = 0,
    CallActivityWithRetry = 1,
    CallSubOrchestrator = 2,
    CallSubOrchestratorWithRetry = 3,
    ContinueAsNew = 4,
    CreateTimer = 5,
    WaitForExternalEvent = 6,
    CallEntity = 7,
    CallHttp = 8,
    SignalEntity = 9,
    WhenAny = 11,
    WhenAll = 12,
}

/** A history event in the shape the SDK replays (PascalCase, Timestamp an ISO string). */
export interface HistoryEvent {
    EventType: EventType;
    EventId: number;
    IsPlayed: boolean;
    Timestamp: string;
    Name?: string;
    Input?: string | null;
    Result?: string | null;
    Reason?: string;
    Details?: string | null;
    TaskScheduledId?: number;
    TimerId?: number;
    FireAt?: string;
    InstanceId?: string;
    OrchestrationStatus?: string;
    [field: string]: unknown;
}

export function event(
    type: EventType,
    eventId: number,
    timestamp: string,
    fields: Partial<HistoryEvent> = {},
): HistoryEvent {
    return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: timestamp, ...fields };
}

/** Events that complete a scheduled task, and the id they answer. */
export function completionKey(e: HistoryEvent): string | undefined {
    switch (e.EventType) {
        case EventType.TaskCompleted:
        case EventType.TaskFailed:
        case EventType.SubOrchestrationInstanceCompleted:
        case EventType.SubOrchestrationInstanceFailed:
            return `task:${String(e.TaskScheduledId)}`;
        case EventType.TimerFired:
            return `timer:${String(e.TimerId)}`;
        default:
            return undefined;
    }
}

/** The scheduling event id a completion answers, which must be committed before it is delivered. */
export function answeredId(e: HistoryEvent): number | undefined {
    if (e.EventType === EventType.TimerFired) return e.TimerId;
    return completionKey(e) ? e.TaskScheduledId : undefined;
}

const NAMES = Object.fromEntries(
    Object.entries(EventType)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => [v, k]),
);

export function describeEvent(e: HistoryEvent): string {
    const id = e.TaskScheduledId ?? e.TimerId;
    return `${String(NAMES[e.EventType])}${id !== undefined ? `(${id})` : ''}${e.EventId >= 0 ? `#${e.EventId}` : ''}${e.Name ? `:${e.Name}` : ''}`;
}
