import { randomUUID } from 'node:crypto';

import { InstanceRecord, isTerminal, ParentRef } from './records';
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
): Promise<void> {
    if (await store.createInstance(rec)) return;
    const existing = await store.getInstance(rec.instanceId);
    // The same creation by another host working the same episode (or by a replayed commit).
    if (existing && alreadyCreated(existing)) return;
    if (!existing?.etag) {
        // Purged between our insert and read: one more insert decides.
        if (await store.createInstance(rec)) return;
        throw new InstanceExistsError(rec.instanceId);
    }
    if (!isTerminal(existing.runtimeStatus)) throw new InstanceExistsError(rec.instanceId);
    await store.clearInbox(rec.instanceId);
    if (!(await store.replaceInstance(rec, existing.etag))) throw new InstanceExistsError(rec.instanceId);
    await store.deleteHistoryExcept(rec.instanceId, rec.executionId);
}
