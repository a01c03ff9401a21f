import { randomUUID } from 'node:crypto';

import { InstanceRecord, isTerminal, ParentRef } from './records';
import { defaultStarts, RaceWindow, StartSemantics } from '../semantics/starts';
import { TaskHubStore } from './store';

export class InstanceExistsError extends Error {
    override name = 'InstanceExistsError';
    constructor(readonly instanceId: string) {
        super(`An instance with ID '${instanceId}' already exists and is not in a terminal state.`);
    }
}

export function newExecutionId(): string {
    return randomUUID().replace(/-/g, '');
}

export function newInstanceRecord(
    instanceId: string,
    name: string,
    inputJson: string,
    now: Date,
    parent?: ParentRef,
): InstanceRecord {
    return {
        instanceId,
        name,
        runtimeStatus: 'Pending',
        input: inputJson,
        output: null,
        customStatus: null,
        createdTime: now,
        lastUpdatedTime: now,
        executionId: newExecutionId(),
        historyCount: 0,
        historySegments: [],
        knownActions: 0,
        needsStart: true,
        parent,
    };
}

/**
 * Creates the instance row, the single write that starts an orchestration (the dispatcher turns a
 * row with needsStart into ExecutionStarted). An id whose instance is still pending or running is
 * refused; a finished one is replaced under its ETag, so two racing starts cannot both win.
 */
export async function createInstance(
    store: TaskHubStore,
    rec: InstanceRecord,
    alreadyCreated: (existing: InstanceRecord) => boolean = () => false,
    starts: StartSemantics = defaultStarts(),
    window?: RaceWindow,
): Promise<void> {
    if (starts.silentRaceLoss) return createAsAzureStorage(store, rec, starts, window);
    if (await store.createInstance(rec)) return;
    const existing = await store.getInstance(rec.instanceId);
    // The same creation by another host working the same episode (or by a replayed commit).
    if (existing && alreadyCreated(existing)) return;
    if (!existing?.etag) {
        // Purged between our insert and read: one more insert decides.
        if (await store.createInstance(rec)) return;
        throw new InstanceExistsError(rec.instanceId);
    }
    if (!isTerminal(existing.runtimeStatus) && starts.overridable !== 'AnyState')
        throw new InstanceExistsError(rec.instanceId);
    await store.clearInbox(rec.instanceId);
    if (!(await store.replaceInstance(rec, existing.etag))) throw new InstanceExistsError(rec.instanceId);
    await store.deleteHistoryExcept(rec.instanceId, rec.executionId);
}

/**
 * The `azure` profile's start (semantics/starts.ts): read, refuse a live id, then write; a write
 * that loses to a concurrent start is dropped and the caller still told it started.
 */
async function createAsAzureStorage(
    store: TaskHubStore,
    rec: InstanceRecord,
    starts: StartSemantics,
    window?: RaceWindow,
): Promise<void> {
    const existing = await store.getInstance(rec.instanceId);
    if (existing && !isTerminal(existing.runtimeStatus) && starts.overridable !== 'AnyState')
        throw new InstanceExistsError(rec.instanceId);
    await window?.hold(rec.instanceId, starts.raceWindowInMs);
    let wrote: boolean;
    if (existing?.etag) {
        await store.clearInbox(rec.instanceId);
        wrote = await store.replaceInstance(rec, existing.etag);
    } else wrote = await store.createInstance(rec);
    if (!wrote) {
        starts.faults?.record(
            'start-race-lost-silently',
            rec.instanceId,
            `a concurrent start wrote the instance first; this start (execution ${rec.executionId}) is answered 202 and dropped`,
        );
        return;
    }
    if (existing) await store.deleteHistoryExcept(rec.instanceId, rec.executionId);
}
