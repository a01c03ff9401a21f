import { odata, TableClient } from '@azure/data-tables';

import { hasStatus, tolerate } from '../storage/clients';
import { WorkItem } from './records';
import { toWorkItem, workItemRow } from './rows';
import { deletePartition } from './tableOps';

/** The WorkItems table: activities to run, each leased by one host at a time and kept once done. */
export class WorkItemTable {
    constructor(readonly table: TableClient) {}

    async add(item: WorkItem): Promise<void> {
        await tolerate(this.table.createEntity(workItemRow(item)), 409);
    }

    async claimable(now: Date, max: number): Promise<WorkItem[]> {
        const out: WorkItem[] = [];
        const filter = odata`Done eq ${false} and LeaseUntil le ${now}`;
        for await (const row of this.table.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
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
            const res = await this.table.updateEntity(workItemRow(next), 'Replace', { etag: item.etag });
            return { ...next, etag: res.etag };
        } catch (err: unknown) {
            if (hasStatus(err, 412) || hasStatus(err, 404)) return undefined;
            throw err;
        }
    }

    async markDone(item: WorkItem): Promise<void> {
        await tolerate(this.table.updateEntity(workItemRow({ ...item, done: true }), 'Replace', { etag: '*' }), 404);
    }

    /** Done work items of a finished instance: nothing can re-schedule them any more. */
    async clear(instanceId: string): Promise<void> {
        await deletePartition(this.table, instanceId);
    }
}
