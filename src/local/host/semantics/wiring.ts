import type { HostLogger } from '../core/log';
import type { QueueClient } from '@azure/storage-queue';
import type { WatchedBlobs } from '../triggers/blobScan';
import { PollLoop } from '../util/pollLoop';
import { azureEvents, EventGridDelivery, eventGridShares, EventSemantics, failingBlobs } from './events';
import type { SemanticsProfile } from './profile';
import { IdleBackoffLoop, idleCapInMs, Loop } from './queues';
import { azureStarts, defaultStarts, OverridableStates, StartSemantics } from './starts';

/** Everything the arrivals/starts/events/queues parts of a profile change in the dev host. */
export interface HostSemantics {
    starts: StartSemantics;
    events?: EventSemantics;
    loop: (label: string, pollMs: number, tick: () => Promise<void>) => Loop;
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
    const plain = (label: string, ms: number, tick: () => Promise<void>): Loop => new PollLoop(label, ms, tick, log);
    if (profile.name !== 'azure') return { starts: defaultStarts(overridable), loop: plain };
    const cap = idleCapInMs(env, pollInMs);
    const shares = eventGridShares(env);
    const injectFailure = failingBlobs(env, profile);
    log.host(
        `Semantics profile 'azure' (seed ${profile.seed}): racing starts, events to Pending dropped, Event Grid blob delivery (drop ${shares.dropShare}, duplicate ${shares.duplicateShare}), idle-queue backoff to ${cap} ms.`,
        'warning',
    );
    return {
        starts: azureStarts(profile.faults, overridable),
        events: azureEvents(profile),
        loop: (label, ms, tick) => new IdleBackoffLoop(label, ms, cap, tick, log, profile.faults),
        ...(injectFailure ? { injectFailure } : {}),
        eventGrid: (watched, queue) => new EventGridDelivery(watched, queue, profile, shares),
    };
}
