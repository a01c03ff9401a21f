import { odata, TableClient, TransactionAction } from '@azure/data-tables';

import { getChunked, putChunked } from '../storage/chunked';
import { hasStatus } from '../storage/clients';
import { HistoryEvent } from './history';
import { pad, Row, str, WriteRow } from './rows';
import { deleteRows } from './tableOps';

const BATCH = 100;

/** The History table: one row per event at position `{executionId}-{seq}`, written insert-only. */
export class HistoryTable {
    constructor(readonly table: TableClient) {}

    /**
     * The committed events of an execution (the rows at the positions of `segments`) and the inbox
     * ids they consumed; `next` is the first position after every row written so far, committed or
     * not, where the next episode writes.
     */
    async load(
        instanceId: string,
        executionId: string,
        segments: [number, number][],
    ): Promise<{ events: HistoryEvent[]; consumed: Set<string>; next: number }> {
        const prefix = `${executionId}-`;
        const byPosition = new Map<number, Row>();
        let next = 0;
        const filter = odata`PartitionKey eq ${instanceId} and RowKey ge ${prefix} and RowKey lt ${`${executionId}.`}`;
        for await (const row of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
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
    async write(
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
                await this.table.submitTransaction(actions.slice(i, i + BATCH));
        } catch (err: unknown) {
            if (hasStatus(err, 409)) return false;
            throw err;
        }
        return true;
    }

    async deleteExcept(instanceId: string, keepExecutionId: string): Promise<void> {
        const stale: Row[] = [];
        for await (const row of this.table.listEntities<Record<string, unknown>>({
            queryOptions: { filter: odata`PartitionKey eq ${instanceId}` },
        })) {
            if (!(row.rowKey ?? '').startsWith(`${keepExecutionId}-`)) stale.push(row);
        }
        await deleteRows(
            this.table,
            instanceId,
            stale.map((r) => r.rowKey ?? ''),
        );
    }
}
