import { odata, TableClient } from '@azure/data-tables';

import { getChunked, putChunked } from '../storage/chunked';
import { tolerate } from '../storage/clients';
import { HistoryEvent } from './history';
import { InboxMessage } from './records';
import { pad, retryOf, str, WriteRow } from './rows';
import { deletePartition, deleteRows } from './tableOps';

/** Inbox row keys sort by visibility time, so a batch is delivered in the order it became due. */
export function messageId(visibleAt: Date, suffix: string): string {
    return `${pad(visibleAt.getTime(), 15)}-${suffix}`;
}

/** The Inbox table: events to deliver to an instance, each invisible until its `VisibleAt`. */
export class InboxTable {
    constructor(readonly table: TableClient) {}

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
        await tolerate(this.table.createEntity(row), 409);
    }

    async visible(instanceId: string, now: Date): Promise<InboxMessage[]> {
        const out: InboxMessage[] = [];
        const filter = odata`PartitionKey eq ${instanceId} and VisibleAt le ${now}`;
        for await (const row of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
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
    async instancesWithDue(now: Date): Promise<string[]> {
        const ids = new Set<string>();
        const filter = odata`VisibleAt le ${now}`;
        for await (const row of this.table.listEntities({ queryOptions: { filter, select: ['PartitionKey'] } })) {
            if (row.partitionKey) ids.add(row.partitionKey);
        }
        return [...ids];
    }

    async delete(instanceId: string, ids: string[]): Promise<void> {
        await deleteRows(this.table, instanceId, ids);
    }

    async clear(instanceId: string): Promise<void> {
        await deletePartition(this.table, instanceId);
    }
}
