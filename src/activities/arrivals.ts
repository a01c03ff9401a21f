import type { ArrivalsInput, ArrivalsView } from '../orchestrators/contracts';
import type { Outbox } from '../retraining/outbox';

/**
 * The orchestrator's window on its target's outbox (contracts.ts ArrivalsInput). Idempotent enough
 * to run twice at once: a second take covers the same listing, a second close finds the same state
 * (or a newer arrival, which it then reports as pending).
 */
export async function arrivals(outbox: Outbox, input: ArrivalsInput): Promise<ArrivalsView> {
    if (input.op === 'take') {
        const before = await outbox.take(input.target);
        return { pending: before.seq - before.takenSeq };
    }
    if (input.op === 'peek') {
        const s = await outbox.read(input.target);
        const latest = s.pending.at(-1);
        return { pending: s.seq - s.takenSeq, ...(latest ? { latestAt: latest.at } : {}) };
    }
    const waiting = await outbox.close(
        input.target,
        {
            instanceId: input.instanceId,
            runId: input.runId ?? '',
            at: new Date().toISOString(),
        },
        input.listed ?? [],
    );
    const blob = waiting.find((a) => a.kind === 'blob' && a.blobName);
    const latest = waiting.at(-1);
    return {
        pending: waiting.length,
        ...(latest ? { latestAt: latest.at } : {}),
        ...(blob?.blobName ? { blobName: blob.blobName } : {}),
    };
}
