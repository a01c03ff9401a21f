import { odata, TableClient } from '@azure/data-tables';

import { tolerate } from '../storage/clients';

/** Deletes rows one by one; a row already gone counts as deleted. */
export async function deleteRows(table: TableClient, pk: string, rowKeys: string[]): Promise<void> {
    for (const rk of rowKeys) await tolerate(table.deleteEntity(pk, rk), 404);
}

export async function deletePartition(table: TableClient, pk: string): Promise<void> {
    const keys: string[] = [];
    for await (const row of table.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${pk}`, select: ['RowKey'] },
    })) {
        if (row.rowKey !== undefined) keys.push(row.rowKey);
    }
    await deleteRows(table, pk, keys);
}
