import type { HostLogger } from '../core/log';
import type { QueueClient } from '@azure/storage-queue';
import type { WatchedBlobs } from '../triggers/blobScan';
import { PollLoop } from '../util/pollLoop';
import { azureEvents, EventGridDelivery, eventGridShares, EventSemantics, failingBlobs } from './events';
import type { SemanticsProfile } from './profile';
import { AZURE_QUEUE_POLLING, azureQueueLoop, idleCaps, Loop, LoopFactory } from './queues';
import { azureStarts, defaultStarts, OverridableStates, StartSemantics } from './starts';

/** Everything the arrivals/starts/events/queues parts of a profile change in the dev host. */
export interface HostSemantics {
    starts: StartSemantics;
    events?: EventSemantics;
    /** The loop polling each queue (semantics/queues.ts). */
    loop: LoopFactory;
    injectFailure?: (blobName: string) => boolean;
    /** Event Grid delivery for the blob listener's functions, replacing the scan. */
    eventGrid?: (watched: readonly WatchedBlobs[], queue: QueueClient) => EventGridDelivery;
}

/**
 * The dev host's behaviour for `profile` (docs/fidelity.md): default, or Azure's starts (b), events
 * to Pending instances (c), Event Grid blob delivery (d) and idle-queue latency (e).
 * @throws Error naming the environment variable of any bad profile setting.
 */
export function hostSemantics(
    profile: SemanticsProfile,
    env: Record<string, string | undefined>,
    pollInMs: number,
    overridable: OverridableStates,
    log: HostLogger,
): HostSemantics {
    const plain: LoopFactory = (label, ms, tick): Loop => new PollLoop(label, ms, tick, log);
    if (profile.name !== 'azure') return { starts: defaultStarts(overridable), loop: plain };
    const caps = idleCaps(env, pollInMs);
    const shares = eventGridShares(env);
    const injectFailure = failingBlobs(env, profile);
    log.host(
        `Semantics profile 'azure' (seed ${profile.seed}): racing starts, events to Pending dropped, Event Grid blob delivery (drop ${shares.dropShare}, duplicate ${shares.duplicateShare}), idle-queue backoff from the poll interval (Azure: ${AZURE_QUEUE_POLLING['durable-control'].azureMinInMs} ms) to ${caps['durable-control']} ms for durable queues, from the blob queue poll (Azure: ${AZURE_QUEUE_POLLING['blob-trigger'].azureMinInMs} ms) to ${caps['blob-trigger']} ms for the blob trigger queue.`,
        'warning',
    );
    return {
        starts: azureStarts(profile.faults, overridable),
        events: azureEvents(profile),
        loop: (label, ms, tick, kind) => azureQueueLoop(label, ms, tick, kind, caps, profile.seed, log, profile.faults),
        ...(injectFailure ? { injectFailure } : {}),
        eventGrid: (watched, queue) => new EventGridDelivery(watched, queue, profile, shares),
    };
}
