import { HostLogger } from '../core/log';
import { Episode } from './episode';
import { newExecutionId } from './instances';
import { writeOutgoing } from './outgoing';
import { ActivitySemantics } from '../semantics/activities';
import { InstanceRecord } from './records';
import { appendSegment } from './rows';
import { TaskHubStore } from './store';

/** What an episode was run on: the instance row and its ETag, where its history goes, the messages. */
export interface EpisodeBase {
    inst: InstanceRecord;
    etag: string;
    start: number;
    delivered: string[];
    dropped: string[];
}

/**
 * Commits an episode: outgoing work, then history rows, then the instance row If-Match its ETag
 * (the commit point), then the consumed messages are deleted. Returns the committed instance row,
 * or undefined when another host got there first and the episode was discarded (or, under the
 * azure semantics profile, when `semantics` aborted the commit after the outgoing work).
 */
export async function commitEpisode(
    store: TaskHubStore,
    log: HostLogger,
    base: EpisodeBase,
    ep: Episode,
    now: Date,
    semantics?: ActivitySemantics,
): Promise<InstanceRecord | undefined> {
    const { inst, start } = base;
    await writeOutgoing(store, ep.out, now);
    const resent = semantics?.resendAfterAbortedCommit(inst.instanceId, inst.executionId, ep.out.workItems) ?? [];
    if (resent.length > 0) {
        // As a lost checkpoint in Azure: the work already sent stays sent, the episode runs again.
        for (const item of resent) await store.addWorkItem(item);
        log.host(`orchestration ${inst.instanceId}: commit aborted (semantics profile); episode discarded`, 'warning');
        return undefined;
    }
    // Insert-only after every row written so far: an episode racing this one either collides here
    // (and one of the two is discarded) or loses at the instance row; neither overwrites the other.
    if (!(await store.writeHistory(inst.instanceId, inst.executionId, start, ep.events, base.delivered))) {
        log.host(`orchestration ${inst.instanceId}: another host is writing this episode; discarded`, 'warning');
        return undefined;
    }
    const next = nextInstance(inst, start, ep, now);
    if (!(await store.replaceInstance(next, base.etag))) {
        log.host(`orchestration ${inst.instanceId}: another host committed first; episode discarded`, 'warning');
        return undefined;
    }
    await store.deleteMessages(inst.instanceId, [...base.delivered, ...base.dropped]);
    return next;
}

/** The instance row after the episode; continue-as-new starts a fresh execution. */
function nextInstance(inst: InstanceRecord, start: number, ep: Episode, now: Date): InstanceRecord {
    const { ending } = ep;
    const next: InstanceRecord = {
        ...inst,
        runtimeStatus: ending ? ending.status : 'Running',
        output: ending && ending.status !== 'ContinuedAsNew' ? ending.output : null,
        customStatus: ep.customStatus,
        lastUpdatedTime: now,
        historyCount: inst.historyCount + ep.events.length,
        historySegments: appendSegment(inst.historySegments, start, ep.events.length),
        knownActions: ep.knownActions,
        needsStart: false,
    };
    if (ending?.status === 'ContinuedAsNew') {
        Object.assign(next, {
            executionId: newExecutionId(),
            historyCount: 0,
            historySegments: [],
            knownActions: 0,
            needsStart: true,
            input: ending.nextInput ?? 'null',
        });
    }
    return next;
}
