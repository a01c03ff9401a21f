import { odata, TableClient } from '@azure/data-tables';

import { hasStatus, tolerate } from '../storage/clients';
import { InstanceRecord, RuntimeStatus } from './records';
import { fromInstance, INSTANCE_RK, toInstance } from './rows';

export interface InstanceFilter {
    createdTimeFrom?: Date;
    createdTimeTo?: Date;
    runtimeStatus?: RuntimeStatus[];
}

/** The Instances table: one row per instance, whose ETag guards every commit. */
export class InstanceTable {
    constructor(readonly table: TableClient) {}

    async get(instanceId: string): Promise<InstanceRecord | undefined> {
        const row = await tolerate(this.table.getEntity<Record<string, unknown>>(instanceId, INSTANCE_RK), 404);
        return row ? toInstance(row) : undefined;
    }

    /** Insert-only: false when the id exists (the caller decides whether it may replace it). */
    async create(r: InstanceRecord): Promise<boolean> {
        try {
            await this.table.createEntity(fromInstance(r));
            return true;
        } catch (err: unknown) {
            if (hasStatus(err, 409)) return false;
            throw err;
        }
    }

    /** ETag-conditional replace: false when someone else changed the row first. */
    async replace(r: InstanceRecord, etag: string): Promise<boolean> {
        try {
            await this.table.updateEntity(fromInstance(r), 'Replace', { etag });
            return true;
        } catch (err: unknown) {
            if (hasStatus(err, 412) || hasStatus(err, 404)) return false;
            throw err;
        }
    }

    async list(filter: InstanceFilter = {}): Promise<InstanceRecord[]> {
        const clauses = [odata`RowKey eq ${INSTANCE_RK}`];
        if (filter.createdTimeFrom) clauses.push(odata`CreatedAt ge ${filter.createdTimeFrom}`);
        if (filter.createdTimeTo) clauses.push(odata`CreatedAt le ${filter.createdTimeTo}`);
        if (filter.runtimeStatus?.length) {
            clauses.push(`(${filter.runtimeStatus.map((s) => odata`RuntimeStatus eq ${s}`).join(' or ')})`);
        }
        const out: InstanceRecord[] = [];
        for await (const row of this.table.listEntities<Record<string, unknown>>({
            queryOptions: { filter: clauses.join(' and ') },
        })) {
            out.push(toInstance(row));
        }
        return out.sort(
            (a, b) => a.createdTime.getTime() - b.createdTime.getTime() || a.instanceId.localeCompare(b.instanceId),
        );
    }

    async needingStart(): Promise<string[]> {
        const ids: string[] = [];
        const filter = odata`RowKey eq ${INSTANCE_RK} and NeedsStart eq ${true}`;
        for await (const row of this.table.listEntities({ queryOptions: { filter, select: ['PartitionKey'] } })) {
            ids.push(row.partitionKey ?? '');
        }
        return ids.filter(Boolean);
    }

    /** True when the row existed. */
    async delete(instanceId: string): Promise<boolean> {
        return (await tolerate(this.table.deleteEntity(instanceId, INSTANCE_RK), 404)) !== undefined;
    }
}
