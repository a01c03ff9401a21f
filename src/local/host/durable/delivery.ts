import { answeredId, completionKey, event, EventType, HistoryEvent } from './history';
import { messageId } from './inboxTable';
import { InboxMessage, InstanceRecord, ParentRef, RuntimeStatus } from './records';

export interface Delivery {
    deliver: InboxMessage[];
    drop: string[];
}

export interface Ending {
    status: RuntimeStatus;
    output: string | null;
    /** Set for continue-as-new: the next execution's input (JSON text). */
    nextInput?: string;
}

export function parseJson(text: string | null | undefined): unknown {
    if (text === null || text === undefined || text === '') return null;
    return JSON.parse(text) as unknown;
}

/**
 * Which due messages an episode delivers: drops consumed, stale-execution and duplicate completions,
 * holds back completions whose scheduling event is not committed yet.
 */
export function classify(
    inst: InstanceRecord,
    past: HistoryEvent[],
    consumed: Set<string>,
    msgs: InboxMessage[],
): Delivery {
    const scheduled = new Set(past.filter((e) => e.EventId >= 0).map((e) => e.EventId));
    const done = new Set(past.map(completionKey).filter((k): k is string => k !== undefined));
    const deliver: InboxMessage[] = [];
    const drop: string[] = [];
    for (const m of msgs) {
        if (consumed.has(m.id) || (m.executionId !== '' && m.executionId !== inst.executionId)) {
            drop.push(m.id);
            continue;
        }
        const key = completionKey(m.event);
        if (key) {
            if (done.has(key)) {
                drop.push(m.id);
                continue;
            }
            const answered = answeredId(m.event);
            // Scheduled by an episode that has not committed (yet, or ever): wait.
            if (answered === undefined || !scheduled.has(answered)) continue;
            done.add(key);
        }
        deliver.push(m);
        // The SDK allocates a retry's next ids while handling that event: it must come last.
        if (m.retry) break;
    }
    return { deliver, drop };
}

export function nextEventId(past: HistoryEvent[]): number {
    return past.reduce((max, e) => Math.max(max, e.EventId), -1) + 1;
}

/** A finished sub-orchestration's result, sent to its parent's inbox. */
export function parentNotice(
    child: Pick<InstanceRecord, 'instanceId' | 'executionId' | 'name'>,
    parent: ParentRef,
    ending: Ending,
    now: Date,
): InboxMessage {
    const ts = now.toISOString();
    const ok = ending.status === 'Completed';
    const parsed = ok ? '' : parseJson(ending.output);
    const message = typeof parsed === 'string' ? parsed : JSON.stringify(parsed ?? ending.status);
    return {
        id: messageId(now, `sub-${child.instanceId}-${child.executionId}`),
        instanceId: parent.instanceId,
        executionId: parent.executionId,
        event: ok
            ? event(EventType.SubOrchestrationInstanceCompleted, -1, ts, {
                  TaskScheduledId: parent.taskScheduledId,
                  Result: ending.output ?? 'null',
              })
            : event(EventType.SubOrchestrationInstanceFailed, -1, ts, {
                  TaskScheduledId: parent.taskScheduledId,
                  Reason: `Sub-orchestration '${child.name}' ${ending.status.toLowerCase()}: ${message}`,
                  Details: JSON.stringify({ Message: message }),
              }),
        retry: parent.retry,
        visibleAt: now,
    };
}
