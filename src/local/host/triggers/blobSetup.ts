import { ContainerClient } from '@azure/storage-blob';

import { Invoker } from '../core/invoker';
import { HostLogger } from '../core/log';
import { RegisteredFunction } from '../core/registry';
import { StorageClients } from '../storage/clients';
import type { EventGridDelivery } from '../semantics/events';
import type { Loop, LoopFactory } from '../semantics/queues';
import { PollLoop } from '../util/pollLoop';
import { BlobTriggerListener } from './blob';
import { POISON_QUEUE } from './blobMessage';

export interface BlobSetupOptions {
    hostId: string;
    maxDequeueCount: number;
    retryDelayMs: number;
    maxParallelism?: number;
    injectFailure?: (blobName: string) => boolean;
    runChangedBlobs?: boolean;
}

function blobFunctions(active: RegisteredFunction[]): RegisteredFunction[] {
    return active.filter((f) => f.trigger.type === 'blobTrigger');
}

/** The listener for the active blob-triggered functions, or undefined when there are none. */
export function createBlobListener(
    active: RegisteredFunction[],
    storage: StorageClients,
    hosts: ContainerClient,
    invoker: Invoker,
    log: HostLogger,
    opts: BlobSetupOptions,
): BlobTriggerListener | undefined {
    const blobFns = blobFunctions(active);
    if (!blobFns.length) return undefined;
    return new BlobTriggerListener(
        blobFns.map((fn) => ({ fn, blobs: storage.blobs })),
        invoker,
        hosts,
        storage.queues.getQueueClient(`azure-webjobs-blobtrigger-${opts.hostId}`),
        storage.queues.getQueueClient(POISON_QUEUE),
        log,
        {
            hostId: opts.hostId,
            maxDequeueCount: opts.maxDequeueCount,
            retryDelayMs: opts.retryDelayMs,
            visibilityTimeoutMs: 600000,
            ...(opts.maxParallelism ? { maxParallelism: opts.maxParallelism } : {}),
            ...(opts.injectFailure ? { injectFailure: opts.injectFailure } : {}),
            ...(opts.runChangedBlobs ? { runChangedBlobs: true } : {}),
        },
    );
}

/** Creates the listener's queues and containers, then starts its scan and queue loops. */
export async function startBlobLoops(
    blob: BlobTriggerListener,
    active: RegisteredFunction[],
    intervals: { scanMs?: number; queuePollMs?: number },
    log: HostLogger,
    /** Semantics profile: Event Grid delivery instead of the scan, and the queue loop to use. */
    semantics?: {
        eventGrid?: EventGridDelivery;
        queueLoop?: LoopFactory;
    },
): Promise<Loop[]> {
    await blob.ensure();
    if (semantics?.eventGrid) {
        const delivery = semantics.eventGrid;
        // The first look only records what exists: nothing written while the host was down fires.
        await delivery.tick();
        const ms = intervals.scanMs ?? 1000;
        log.host(`Blob triggers: Event Grid delivery (azure semantics), looking for writes every ${ms} ms.`);
        const queueLoop = (semantics.queueLoop ?? ((l, m, t) => new PollLoop(l, m, t, log)))(
            'blob queue',
            intervals.queuePollMs ?? 1000,
            () => blob.processQueue(),
            'blob-trigger',
        );
        delivery.onEnqueued(() => queueLoop.wake());
        const loops: Loop[] = [new PollLoop('event grid', ms, () => delivery.tick(), log), queueLoop];
        for (const loop of loops) loop.start();
        return loops;
    }
    // Event Grid delivers a blob event within about a second; a scan that often stands in for it.
    const eventGrid = blobFunctions(active).some((f) => f.trigger.source === 'EventGrid');
    const scanMs = intervals.scanMs ?? (eventGrid ? 1000 : 10000);
    if (eventGrid) log.host(`Blob triggers with source EventGrid: the dev host scans every ${scanMs} ms instead.`);
    const loops = [
        new PollLoop('blob scan', scanMs, () => blob.scan().then(() => undefined), log),
        new PollLoop('blob queue', intervals.queuePollMs ?? 1000, () => blob.processQueue(), log),
    ];
    for (const loop of loops) loop.start();
    return loops;
}
