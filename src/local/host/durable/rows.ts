import { TableEntity } from '@azure/data-tables';

import { getChunked, putChunked } from '../storage/chunked';
import { InstanceRecord, RetryState, RuntimeStatus, WorkItem } from './records';

/** Row layouts of the task hub tables, and their mapping to records. */

export const INSTANCE_RK = 'instance';

export function pad(n: number, width: number): string {
    return String(n).padStart(width, '0');
}

export type WriteRow = TableEntity<Record<string, unknown>>;
/** A row as read back (keys optional in the SDK's typing). */
export type Row = Record<string, unknown> & { partitionKey?: string; rowKey?: string; etag?: string };

export function str(row: Row, key: string): string {
    const v = row[key];
    return typeof v === 'string' ? v : '';
}

function segmentsOf(row: Row): [number, number][] {
    const raw = getChunked(row, 'HistorySegments');
    if (raw) return JSON.parse(raw) as [number, number][];
    // A row written before segments existed: its committed events are the first HistoryCount rows.
    const count = Number(row.HistoryCount ?? 0);
    return count > 0 ? [[0, count]] : [];
}

/** The segments after committing `length` events written at positions from `start`. */
export function appendSegment(segments: [number, number][], start: number, length: number): [number, number][] {
    const last = segments[segments.length - 1];
    if (last && last[0] + last[1] === start) return [...segments.slice(0, -1), [last[0], last[1] + length]];
    return [...segments, [start, length]];
}

export function toInstance(row: Row): InstanceRecord {
    const parent = str(row, 'Parent');
    return {
        instanceId: row.partitionKey ?? '',
        name: str(row, 'Name'),
        runtimeStatus: str(row, 'RuntimeStatus') as RuntimeStatus,
        input: getChunked(row, 'Input') || 'null',
        output: getChunked(row, 'Output') || null,
        customStatus: getChunked(row, 'CustomStatus') || null,
        createdTime: new Date(str(row, 'CreatedTime')),
        lastUpdatedTime: new Date(str(row, 'LastUpdatedTime')),
        executionId: str(row, 'ExecutionId'),
        historyCount: Number(row.HistoryCount ?? 0),
        historySegments: segmentsOf(row),
        knownActions: Number(row.KnownActions ?? 0),
        needsStart: row.NeedsStart === true,
        parent: parent ? (JSON.parse(parent) as InstanceRecord['parent']) : undefined,
        etag: typeof row.etag === 'string' ? row.etag : undefined,
    };
}

export function fromInstance(r: InstanceRecord): WriteRow {
    const row: WriteRow = {
        partitionKey: r.instanceId,
        rowKey: INSTANCE_RK,
        Name: r.name,
        RuntimeStatus: r.runtimeStatus,
        CreatedTime: r.createdTime.toISOString(),
        LastUpdatedTime: r.lastUpdatedTime.toISOString(),
        CreatedAt: r.createdTime,
        ExecutionId: r.executionId,
        HistoryCount: r.historyCount,
        KnownActions: r.knownActions,
        NeedsStart: r.needsStart,
        Parent: r.parent ? JSON.stringify(r.parent) : '',
    };
    putChunked(row, 'Input', r.input);
    putChunked(row, 'Output', r.output ?? '');
    putChunked(row, 'CustomStatus', r.customStatus ?? '');
    putChunked(row, 'HistorySegments', JSON.stringify(r.historySegments));
    return row;
}

export function retryOf(row: Row): RetryState | undefined {
    const raw = str(row, 'Retry');
    return raw ? (JSON.parse(raw) as RetryState) : undefined;
}

export function workItemRow(w: WorkItem): WriteRow {
    const row: WriteRow = {
        partitionKey: w.instanceId,
        rowKey: `${w.executionId}-${pad(w.taskScheduledId, 8)}${w.resent ? `-r${w.resent}` : ''}`,
        ExecutionId: w.executionId,
        TaskScheduledId: w.taskScheduledId,
        Name: w.name,
        HasInput: w.input !== null,
        Retry: w.retry ? JSON.stringify(w.retry) : '',
        LeaseOwner: w.leaseOwner,
        LeaseUntil: w.leaseUntil,
        Done: w.done,
        Resent: w.resent ?? 0,
    };
    putChunked(row, 'Input', w.input ?? '');
    return row;
}

export function toWorkItem(row: Row): WorkItem {
    return {
        instanceId: row.partitionKey ?? '',
        executionId: str(row, 'ExecutionId'),
        taskScheduledId: Number(row.TaskScheduledId),
        name: str(row, 'Name'),
        input: row.HasInput === true ? getChunked(row, 'Input') : null,
        retry: retryOf(row),
        leaseOwner: str(row, 'LeaseOwner'),
        leaseUntil: row.LeaseUntil as Date,
        done: row.Done === true,
        etag: typeof row.etag === 'string' ? row.etag : undefined,
        ...(typeof row.Resent === 'number' && row.Resent > 0 ? { resent: row.Resent } : {}),
    };
}
