import { parentNotice } from './delivery';
import { createInstance, InstanceExistsError, newInstanceRecord } from './instances';
import { ChildStart, Outgoing } from './planner';
import { InstanceRecord } from './records';
import { TaskHubStore } from './store';

/**
 * Writes an episode's outgoing work, before its commit. Ids are deterministic and rows that exist
 * are left alone, so a replayed episode writes the same work again without doubling it.
 */
export async function writeOutgoing(store: TaskHubStore, out: Outgoing, now: Date): Promise<void> {
    for (const child of out.children) await startChild(store, child, now);
    for (const item of out.workItems) await store.addWorkItem(item);
    for (const msg of out.messages) await store.send(msg);
}

async function startChild(store: TaskHubStore, child: ChildStart, now: Date): Promise<void> {
    const same = (existing: InstanceRecord | undefined): boolean => {
        const p = existing?.parent;
        return (
            p !== undefined &&
            p.instanceId === child.parent.instanceId &&
            p.taskScheduledId === child.parent.taskScheduledId &&
            p.executionId === child.parent.executionId
        );
    };
    // A replayed commit re-creates the same child: leave the one already running.
    if (same(await store.getInstance(child.instanceId))) return;
    try {
        // Another host running the same episode may create it between that read and this insert:
        // that is the same child too, not a conflict to report to the parent.
        await createInstance(
            store,
            newInstanceRecord(child.instanceId, child.name, child.input, now, child.parent),
            same,
        );
    } catch (err: unknown) {
        if (!(err instanceof InstanceExistsError)) throw err;
        await store.send(
            parentNotice(
                { instanceId: child.instanceId, executionId: '', name: child.name },
                child.parent,
                { status: 'Failed', output: JSON.stringify(err.message) },
                now,
            ),
        );
    }
}
