import { StorageClients } from '../storage/clients';
import { HistoryEvent } from './history';
import { HistoryTable } from './historyTable';
import { InboxTable } from './inboxTable';
import { InstanceFilter, InstanceTable } from './instanceTable';
import { InboxMessage, InstanceRecord, WorkItem } from './records';
import { deletePartition } from './tableOps';
import { WorkItemTable } from './workItemTable';

/**
 * The task hub in Azure Storage tables, laid out like the Azure Storage provider: an Instances
 * table and a History table keyed by instance id, plus an Inbox of events to deliver and the
 * WorkItems of activities to run (table rows polled, so no message is lost while the host is down).
 * Each table's rows are handled in its own module; this is the one surface the engine uses.
 */
export class TaskHubStore {
    readonly #instances: InstanceTable;
    readonly #history: HistoryTable;
    readonly #inbox: InboxTable;
    readonly #workItems: WorkItemTable;

    constructor(
        storage: StorageClients,
        readonly hubName: string,
    ) {
        this.#instances = new InstanceTable(storage.table(`${hubName}Instances`));
        this.#history = new HistoryTable(storage.table(`${hubName}History`));
        this.#inbox = new InboxTable(storage.table(`${hubName}Inbox`));
        this.#workItems = new WorkItemTable(storage.table(`${hubName}WorkItems`));
    }

    async ensure(): Promise<void> {
        for (const t of [this.#instances, this.#history, this.#inbox, this.#workItems]) await t.table.createTable();
    }

    /** Removes every row of an instance in every table. */
    async purge(instanceId: string): Promise<boolean> {
        const existed = await this.#instances.delete(instanceId);
        for (const t of [this.#history, this.#inbox, this.#workItems]) await deletePartition(t.table, instanceId);
        return existed;
    }

    // ---- instances (instanceTable.ts) ----

    getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
        return this.#instances.get(instanceId);
    }

    createInstance(r: InstanceRecord): Promise<boolean> {
        return this.#instances.create(r);
    }

    replaceInstance(r: InstanceRecord, etag: string): Promise<boolean> {
        return this.#instances.replace(r, etag);
    }

    listInstances(filter: InstanceFilter = {}): Promise<InstanceRecord[]> {
        return this.#instances.list(filter);
    }

    instancesNeedingStart(): Promise<string[]> {
        return this.#instances.needingStart();
    }

    // ---- history (historyTable.ts) ----

    loadHistory(
        instanceId: string,
        executionId: string,
        segments: [number, number][],
    ): Promise<{ events: HistoryEvent[]; consumed: Set<string>; next: number }> {
        return this.#history.load(instanceId, executionId, segments);
    }

    writeHistory(
        instanceId: string,
        executionId: string,
        start: number,
        events: HistoryEvent[],
        consumed: string[],
    ): Promise<boolean> {
        return this.#history.write(instanceId, executionId, start, events, consumed);
    }

    deleteHistoryExcept(instanceId: string, keepExecutionId: string): Promise<void> {
        return this.#history.deleteExcept(instanceId, keepExecutionId);
    }

    // ---- inbox (inboxTable.ts) ----

    send(msg: InboxMessage): Promise<void> {
        return this.#inbox.send(msg);
    }

    visibleMessages(instanceId: string, now: Date): Promise<InboxMessage[]> {
        return this.#inbox.visible(instanceId, now);
    }

    instancesWithDueMessages(now: Date): Promise<string[]> {
        return this.#inbox.instancesWithDue(now);
    }

    deleteMessages(instanceId: string, ids: string[]): Promise<void> {
        return this.#inbox.delete(instanceId, ids);
    }

    clearInbox(instanceId: string): Promise<void> {
        return this.#inbox.clear(instanceId);
    }

    // ---- work items (workItemTable.ts) ----

    addWorkItem(item: WorkItem): Promise<void> {
        return this.#workItems.add(item);
    }

    claimableWorkItems(now: Date, max: number): Promise<WorkItem[]> {
        return this.#workItems.claimable(now, max);
    }

    lease(item: WorkItem, owner: string, until: Date): Promise<WorkItem | undefined> {
        return this.#workItems.lease(item, owner, until);
    }

    markDone(item: WorkItem): Promise<void> {
        return this.#workItems.markDone(item);
    }

    clearWorkItems(instanceId: string): Promise<void> {
        return this.#workItems.clear(instanceId);
    }
}
