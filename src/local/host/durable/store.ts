import { odata, TableClient, TransactionAction } from '@azure/data-tables';

import { getChunked, putChunked } from '../storage/chunked';
import { hasStatus, StorageClients, tolerate } from '../storage/clients';
import { HistoryEvent } from './history';
import { InboxMessage, InstanceRecord, RuntimeStatus, WorkItem } from './records';
import {
    fromInstance,
    INSTANCE_RK,
    pad,
    retryOf,
    Row,
    str,
    toInstance,
    toWorkItem,
    workItemRow,
    WriteRow,
} from './rows';

const BATCH = 100;

/** Inbox row keys sort by visibility time, so a batch is delivered in the order it became due. */
export function messageId(visibleAt: Date, suffix: string): string {
    return `${pad(visibleAt.getTime(), 15)}-${suffix}`;
}

export interface InstanceFilter {
    createdTimeFrom?: Date;
    createdTimeTo?: Date;
    runtimeStatus?: RuntimeStatus[];
}

/**
 * The task hub in Azure Storage tables, laid out like the Azure Storage provider: an Instances
 * table and a History table keyed by instance id, plus an Inbox of events to deliver and the
 * WorkItems of activities to run (table rows polled, so no message is lost while the host is down).
 */
export class TaskHubStore {
    readonly instances: TableClient;
    readonly history: TableClient;
    readonly inbox: TableClient;
    readonly workItems: TableClient;

    constructor(
        storage: StorageClients,
        readonly hubName: string,
    ) {
        this.instances = storage.table(`${hubName}Instances`);
        this.history = storage.table(`${hubName}History`);
        this.inbox = storage.table(`${hubName}Inbox`);
        this.workItems = storage.table(`${hubName}WorkItems`);
    }

    async ensure(): Promise<void> {
        for (const t of [this.instances, this.history, this.inbox, this.workItems]) await t.createTable();
    }

    // ---- instances ----

    async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
        const row = await tolerate(this.instances.getEntity<Record<string, unknown>>(instanceId, INSTANCE_RK), 404);
        return row ? toInstance(row) : undefined;
    }

    /** Insert-only: false when the id exists (the caller decides whether it may replace it). */
    async createInstance(r: InstanceRecord): Promise<boolean> {
        try {
            await this.instances.createEntity(fromInstance(r));
            return true;
        } catch (err: unknown) {
            if (hasStatus(err, 409)) return false;
            throw err;
        }
    }

    /** ETag-conditional replace: false when someone else changed the row first. */
    async replaceInstance(r: InstanceRecord, etag: string): Promise<boolean> {
        try {
            await this.instances.updateEntity(fromInstance(r), 'Replace', { etag });
            return true;
        } catch (err: unknown) {
            if (hasStatus(err, 412) || hasStatus(err, 404)) return false;
            throw err;
        }
    }

    async listInstances(filter: InstanceFilter = {}): Promise<InstanceRecord[]> {
        const clauses = [odata`RowKey eq ${INSTANCE_RK}`];
        if (filter.createdTimeFrom) clauses.push(odata`CreatedAt ge ${filter.createdTimeFrom}`);
        if (filter.createdTimeTo) clauses.push(odata`CreatedAt le ${filter.createdTimeTo}`);
        if (filter.runtimeStatus?.length) {
            clauses.push(`(${filter.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ')})`);
        }
        const out: InstanceRecord[] = [];
        for await (const row of this.instances.listEntities<Record<string, unknown>>({
            queryOptions: { filter: clauses.join(' and ') },
        })) {
            out.push(toInstance(row));
        }
        return out.sort(
            (a, b) => a.createdTime.getTime() - b.createdTime.getTime() || a.instanceId.localeCompare(b.instanceId),
        );
    }

    async instancesNeedingStart(): Promise<string[]> {
        const ids: string[] = [];
        const filter = odata`RowKey eq ${INSTANCE_RK} and NeedsStart eq ${true}`;
        for await (const row of this.instances.listEntities({ queryOptions: { filter, select: ['PartitionKey'] } })) {
            ids.push(row.partitionKey ?? '');
        }
        return ids.filter(Boolean);
    }

    /** Removes every row of an instance in every table. */
    async purge(instanceId: string): Promise<boolean> {
        const existed = (await tolerate(this.instances.deleteEntity(instanceId, INSTANCE_RK), 404)) !== undefined;
        for (const t of [this.history, this.inbox, this.workItems]) await this.deletePartition(t, instanceId);
        return existed;
    }

    // ---- history ----

    /**
     * The committed events of an execution (the rows at the positions of `segments`) and the inbox
     * ids they consumed; `next` is the first position after every row written so far, committed or
     * not, where the next episode writes.
     */
    async loadHistory(
        instanceId: string,
        executionId: string,
        segments: [number, number][],
    ): Promise<{ events: HistoryEvent[]; consumed: Set<string>; next: number }> {
        const prefix = `${executionId}-`;
        const byPosition = new Map<number, Row>();
        let next = 0;
        const filter = odata`PartitionKey eq ${instanceId} and RowKey ge ${prefix} and RowKey lt ${`${executionId}.`}`;
        for await (const row of this.history.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
            const position = Number((row.rowKey ?? '').slice(prefix.length));
            if (!Number.isInteger(position)) continue;
            byPosition.set(position, row);
            next = Math.max(next, position + 1);
        }
        const committed: Row[] = [];
        for (const [start, length] of segments) {
            for (let p = start; p < start + length; p++) {
                const row = byPosition.get(p);
                if (!row) throw new Error(`history of ${instanceId} is missing committed row ${prefix}${pad(p, 8)}`);
                committed.push(row);
            }
            next = Math.max(next, start + length);
        }
        const consumed = new Set<string>();
        for (const row of committed) {
            const ids = str(row, 'Consumed');
            if (ids) for (const id of JSON.parse(ids) as string[]) consumed.add(id);
        }
        const events = committed.map((r) => JSON.parse(getChunked(r, 'Event')) as HistoryEvent);
        return { events, consumed, next };
    }

    /**
     * Inserts events at positions start.. (insert-only, so committed rows and another host's rows
     * are never overwritten). False when a row already exists: another host is writing an episode
     * at the same positions, and this episode must be discarded.
     */
    async writeHistory(
        instanceId: string,
        executionId: string,
        start: number,
        events: HistoryEvent[],
        consumed: string[],
    ): Promise<boolean> {
        const actions: TransactionAction[] = events.map((e, i) => {
            const row: WriteRow = {
                partitionKey: instanceId,
                rowKey: `${executionId}-${pad(start + i, 8)}`,
                Consumed: i === 0 && consumed.length ? JSON.stringify(consumed) : '',
            };
            putChunked(row, 'Event', JSON.stringify({ ...e, IsPlayed: false }));
            return ['create', row];
        });
        try {
            for (let i = 0; i < actions.length; i += BATCH)
                await this.history.submitTransaction(actions.slice(i, i + BATCH));
        } catch (err: unknown) {
            if (hasStatus(err, 409)) return false;
            throw err;
        }
        return true;
    }

    async deleteHistoryExcept(instanceId: string, keepExecutionId: string): Promise<void> {
        const stale: Row[] = [];
        for await (const row of this.history.listEntities<Record<string, unknown>>({
            queryOptions: { filter: odata`PartitionKey eq ${instanceId}` },
        })) {
            if (!(row.rowKey ?? '').startsWith(`${keepExecutionId}-`)) stale.push(row);
        }
        await this.deleteRows(
            this.history,
            instanceId,
            stale.map((r) => r.rowKey ?? ''),
        );
    }

    // ---- inbox ----

    /** Idempotent for a given id: a replayed commit re-sends the same message without duplicating it. */
    async send(msg: InboxMessage): Promise<void> {
        const row: WriteRow = {
            partitionKey: msg.instanceId,
            rowKey: msg.id,
            ExecutionId: msg.executionId,
            Retry: msg.retry ? JSON.stringify(msg.retry) : '',
            VisibleAt: msg.visibleAt,
        };
        putChunked(row, 'Event', JSON.stringify(msg.event));
        await tolerate(this.inbox.createEntity(row), 409);
    }

    async visibleMessages(instanceId: string, now: Date): Promise<InboxMessage[]> {
        const out: InboxMessage[] = [];
        const filter = odata`PartitionKey eq ${instanceId} and VisibleAt le ${now}`;
        for await (const row of this.inbox.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
            out.push({
                id: row.rowKey ?? '',
                instanceId,
                executionId: str(row, 'ExecutionId'),
                event: JSON.parse(getChunked(row, 'Event')) as HistoryEvent,
                retry: retryOf(row),
                visibleAt: row.VisibleAt as Date,
            });
        }
        return out.sort((a, b) => a.id.localeCompare(b.id));
    }

    /** Instances with at least one due message. */
    async instancesWithDueMessages(now: Date): Promise<string[]> {
        const ids = new Set<string>();
        const filter = odata`VisibleAt le ${now}`;
        for await (const row of this.inbox.listEntities({ queryOptions: { filter, select: ['PartitionKey'] } })) {
            if (row.partitionKey) ids.add(row.partitionKey);
        }
        return [...ids];
    }

    async deleteMessages(instanceId: string, ids: string[]): Promise<void> {
        await this.deleteRows(this.inbox, instanceId, ids);
    }

    async clearInbox(instanceId: string): Promise<void> {
        await this.deletePartition(this.inbox, instanceId);
    }

    // ---- work items ----

    async addWorkItem(item: WorkItem): Promise<void> {
        await tolerate(this.workItems.createEntity(workItemRow(item)), 409);
    }

    async claimableWorkItems(now: Date, max: number): Promise<WorkItem[]> {
        const out: WorkItem[] = [];
        const filter = odata`Done eq ${false} and LeaseUntil le ${now}`;
        for await (const row of this.workItems.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
            out.push(toWorkItem(row));
            if (out.length >= max) break;
        }
        return out;
    }

    /** ETag-conditional lease; returns the leased item (new ETag) or undefined if another host won. */
    async lease(item: WorkItem, owner: string, until: Date): Promise<WorkItem | undefined> {
        if (!item.etag) return undefined;
        const next = { ...item, leaseOwner: owner, leaseUntil: until };
        try {
            const res = await this.workItems.updateEntity(workItemRow(next), 'Replace', { etag: item.etag });
            return { ...next, etag: res.etag };
        } catch (err: unknown) {
            if (hasStatus(err, 412) || hasStatus(err, 404)) return undefined;
            throw err;
        }
    }

    async markDone(item: WorkItem): Promise<void> {
        await tolerate(
            this.workItems.updateEntity(workItemRow({ ...item, done: true }), 'Replace', { etag: '*' }),
            404,
        );
    }

    /** Done work items of a finished instance: nothing can re-schedule them any more. */
    async clearWorkItems(instanceId: string): Promise<void> {
        await this.deletePartition(this.workItems, instanceId);
    }

    // ---- helpers ----

    private async deletePartition(table: TableClient, pk: string): Promise<void> {
        const keys: string[] = [];
        for await (const row of table.listEntities({
            queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ['RowKey'] },
        })) {
            if (row.rowKey !== undefined) keys.push(row.rowKey);
        }
        await this.deleteRows(table, pk, keys);
    }

    private async deleteRows(table: TableClient, pk: string, rowKeys: string[]): Promise<void> {
        for (const rk of rowKeys) await tolerate(table.deleteEntity(pk, rk), 404);
    }
}
