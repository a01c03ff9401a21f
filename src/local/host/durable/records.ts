import { RetryOptionsJson } from './actions';
import { HistoryEvent } from './history';

export type RuntimeStatus =
    'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Canceled' | 'Suspended';

export const TERMINAL: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

export function isTerminal(status: RuntimeStatus): boolean {
    return TERMINAL.includes(status);
}

export interface ParentRef {
    instanceId: string;
    executionId: string;
    taskScheduledId: number;
    /** Retry bookkeeping of a callSubOrchestratorWithRetry, echoed on the result message. */
    retry?: RetryState;
}

/** One orchestration instance; its ETag guards every episode commit. */
export interface InstanceRecord {
    instanceId: string;
    name: string;
    runtimeStatus: RuntimeStatus;
    /** JSON text. */
    input: string;
    /** JSON text, null until the instance ends. */
    output: string | null;
    /** JSON text. */
    customStatus: string | null;
    createdTime: Date;
    lastUpdatedTime: Date;
    executionId: string;
    /** Committed history events of the current execution (the total length of historySegments). */
    historyCount: number;
    /**
     * Where the committed events are: `[start, length]` runs of history row positions, in order. An
     * episode writes its rows insert-only after every existing row, so rows of an episode that lost
     * the commit race (or crashed) are never overwritten nor counted: they are gaps between runs.
     */
    historySegments: [number, number][];
    /** Atomic actions the orchestrator had returned so far (only the tail is new). */
    knownActions: number;
    /** An ExecutionStarted is due (new instance or continue-as-new). */
    needsStart: boolean;
    parent?: ParentRef;
    etag?: string;
}

export type RetryTarget =
    | { type: 'activity'; name: string; input: string | null }
    | { type: 'sub'; name: string; input: string; instanceId: string };

/** Retry bookkeeping the host carries on messages, as DTFx's RetryInterceptor keeps it in memory. */
export interface RetryState {
    kind: 'attempt' | 'timer';
    attempt: number;
    options: RetryOptionsJson;
    target: RetryTarget;
}

/** An event waiting to be delivered to an instance (completion, timer, raised event, terminate). */
export interface InboxMessage {
    id: string;
    instanceId: string;
    /** The execution it belongs to; '' for events any execution may take (raised events). */
    executionId: string;
    event: HistoryEvent;
    retry?: RetryState;
    visibleAt: Date;
}

/** An activity to run; kept (done=true) after it ran so a replayed commit cannot schedule it again. */
export interface WorkItem {
    instanceId: string;
    executionId: string;
    taskScheduledId: number;
    name: string;
    /** JSON text. */
    input: string | null;
    retry?: RetryState;
    leaseOwner: string;
    leaseUntil: Date;
    done: boolean;
    etag?: string;
    /** Set on the copies the azure semantics profile sends again after an aborted commit (1, 2...). */
    resent?: number;
}
