import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

/** The storage clients the host needs, built from one connection string (Azurite locally). */
export interface StorageClients {
    blobs: BlobServiceClient;
    queues: QueueServiceClient;
    table(name: string): TableClient;
}

export function storageClients(connectionString: string): StorageClients {
    return {
        blobs: BlobServiceClient.fromConnectionString(connectionString),
        queues: QueueServiceClient.fromConnectionString(connectionString),
        table: (name) => TableClient.fromConnectionString(connectionString, name, { allowInsecureConnection: true }),
    };
}

/** True when a storage SDK error carries this HTTP status (404 missing, 409 exists, 412 ETag lost). */
export function hasStatus(err: unknown, status: number): boolean {
    return typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === status;
}

/** Awaits `op`, treating the given statuses as "already so" rather than failures. */
export async function tolerate<T>(op: Promise<T>, ...statuses: number[]): Promise<T | undefined> {
    try {
        return await op;
    } catch (err: unknown) {
        if (statuses.some((s) => hasStatus(err, s))) return undefined;
        throw err;
    }
}
