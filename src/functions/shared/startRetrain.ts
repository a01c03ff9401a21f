import { randomUUID } from 'node:crypto';

import * as df from 'durable-functions';

import { DATA_ARRIVED_EVENT, RetrainInput, RunTrigger } from '../../orchestrators/contracts';
import type { Outbox, OutboxCloser } from '../../retraining/outbox';

export const RETRAIN_ORCHESTRATOR = 'retrain';

export function instanceIdFor(target: string): string {
    return `retrain-${target}`;
}

/**
 * The states in which a start of the id is refused and an event reaches the run: the extension's
 * `NonRunningStates` (OverridableStates.cs) refuses Running, Pending, ContinuedAsNew and Suspended.
 * ContinuedAsNew: between one run and the next it started for data that came in meanwhile.
 * Suspended: an operator paused the run; it still owns the id (a start would be refused forever).
 */
export const LIVE: ReadonlySet<string> = new Set<string>([
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
    df.OrchestrationRuntimeStatus.Suspended,
]);

/**
 * The durable client could not tell us the instance's state, or a start failed with no live
 * instance to explain it: storage or the host is down. Triggers let it fail the invocation (the
 * blob trigger's queue retries it) and the HTTP starter answers 503; never a 409 or a log line.
 */
export class DurableOutageError extends Error {
    override name = 'DurableOutageError';
}

/** What reading a target's instance found: none (404), live, or ended (terminal). */
export type InstanceView =
    | { kind: 'none' }
    | { kind: 'live'; status: df.DurableOrchestrationStatus }
    | { kind: 'ended'; status: df.DurableOrchestrationStatus };

/**
 * Reads the target's instance. durable-functions' client turns every non-2xx into a plain Error
 * with the status only in its message (DurableClient.js), so a failed read is told apart by
 * reading the task hub's listing back, never by parsing the message: an id missing from a listing
 * that did answer is "no instance"; anything else is an outage.
 * @throws DurableOutageError when neither read answers, or the listing has the id the read failed on.
 */
export async function readInstance(client: df.DurableClient, target: string, showInput = false): Promise<InstanceView> {
    const id = instanceIdFor(target);
    let status: df.DurableOrchestrationStatus | undefined;
    for (let attempt = 0; ; attempt++) {
        try {
            status = await client.getStatus(id, { showInput });
            break;
        } catch (failed: unknown) {
            let all: df.DurableOrchestrationStatus[];
            try {
                all = await client.getStatusAll();
            } catch (second: unknown) {
                throw new DurableOutageError(`The status of ${id} could not be read (the task hub did not answer).`, {
                    cause: second,
                });
            }
            if (!all.some((s) => s.instanceId === id)) return { kind: 'none' };
            // Listed now: it may have been created after the read (a racing start), so read again.
            if (attempt >= 2) {
                throw new DurableOutageError(`The status of ${id} could not be read although the instance exists.`, {
                    cause: failed,
                });
            }
        }
    }
    if (!status) return { kind: 'none' };
    return LIVE.has(status.runtimeStatus) ? { kind: 'live', status } : { kind: 'ended', status };
}

/** The live run of a target, or undefined when none is live. @throws DurableOutageError (see readInstance). */
export async function liveStatus(
    client: df.DurableClient,
    target: string,
): Promise<df.DurableOrchestrationStatus | undefined> {
    const seen = await readInstance(client, target);
    return seen.kind === 'live' ? seen.status : undefined;
}

/**
 * Who owns the target's id after a start: this call's run, a live run somebody else started, or
 * nobody, because `stillWanted` said a run that has ended already served the caller's arrival.
 */
export type StartOutcome =
    | { outcome: 'started'; instanceId: string }
    | { outcome: 'live'; instanceId: string; status: df.DurableOrchestrationStatus }
    | { outcome: 'served'; instanceId: string };

function nonceOf(status: df.DurableOrchestrationStatus): unknown {
    const input = status.input as Partial<RetrainInput> | null | undefined;
    return input && typeof input === 'object' ? input.startNonce : undefined;
}

/**
 * Starts the target's run and proves who won. Two concurrent starts of one id can both be told
 * 202 while only one runs (DurableTask.AzureStorage swallows the losing insert; the singleton docs
 * say so), and a start of a live id is refused with 500, not 409. So each start carries a nonce in
 * its input and the status is read back: our nonce means we started it; another live run means we
 * lost; a failed start with no instance at all is an outage; a run that won and already ended
 * means another round.
 * `stillWanted`, asked each time no run is live just before a start, lets a caller whose reason
 * to start may have been served meanwhile (an arrival a run took, then ended) start nothing.
 * @throws DurableOutageError as above, or after three rounds in which a winner ended before we read it.
 */
export async function startWithProof(
    client: df.DurableClient,
    target: string,
    trigger: RunTrigger,
    stillWanted: () => Promise<boolean> = () => Promise.resolve(true),
): Promise<StartOutcome> {
    const instanceId = instanceIdFor(target);
    const startNonce = randomUUID();
    const input: RetrainInput = { target, trigger, startNonce };
    for (let round = 0; round < 3; round++) {
        const before = await readInstance(client, target);
        if (before.kind === 'live') return { outcome: 'live', instanceId, status: before.status };
        if (!(await stillWanted())) return { outcome: 'served', instanceId };
        let refusal: unknown;
        try {
            await client.startNew(RETRAIN_ORCHESTRATOR, { instanceId, input });
        } catch (err: unknown) {
            refusal = err;
        }
        const after = await readInstance(client, target, true);
        if (after.kind !== 'none' && nonceOf(after.status) === startNonce) return { outcome: 'started', instanceId };
        if (after.kind === 'live') return { outcome: 'live', instanceId, status: after.status };
        if (refusal !== undefined && after.kind === 'none') {
            throw new DurableOutageError(`Starting ${instanceId} failed and no instance explains it.`, {
                cause: refusal,
            });
        }
        // Refused or told 202, yet the run there now is neither ours nor live: the run we lost to
        // has already ended. Start again.
    }
    throw new DurableOutageError(`Could not start or find a live run of '${target}' in three rounds.`);
}

function runIdOf(status: df.DurableOrchestrationStatus): unknown {
    return (status.customStatus as { runId?: unknown } | null | undefined)?.runId;
}

/** What a blob or timer arrival ended as. */
export interface ArrivalOutcome {
    instanceId: string;
    /**
     * started: this call started the run; signalled: a live run got a hint (it reads the outbox
     * anyway); pending: the live run already took its last look, so the arrival waits in the outbox
     * for the timer's catch-up pass; covered: a repeated delivery of a blob write a run already
     * covered (it listed storage after that write's first arrival), so nothing was started or signalled;
     * served: a run took this very arrival (listed storage after it was recorded) and has ended
     * since, before this call got to start one, so nothing was started.
     */
    outcome: 'started' | 'signalled' | 'pending' | 'covered' | 'served';
}

/**
 * An arrival for the target's one orchestration (blob trigger or timer): recorded in the outbox
 * first, then a start with proof, and when another run is live a `data-arrived` hint to its
 * debounce. No timed wait for a "finishing" step: the run's final look reads the outbox. Only an
 * arrival written after that look (the outbox names the live run as its closer) is never raised
 * into the run, which would drop it: the trigger starts the next run once that one has ended
 * (bounded by `closedRunWaitInMs`), and otherwise leaves it pending for the catch-up pass. `etag`
 * (quotes stripped), when the trigger knows it, names the blob write: a repeated delivery of a
 * write a run already covered starts and signals nothing (outcome `covered`).
 * @throws DurableOutageError (see startWithProof) and storage errors from the outbox: the
 * invocation fails and is retried.
 */
export async function startOrSignal(
    client: df.DurableClient,
    outbox: Outbox,
    target: string,
    trigger: Exclude<RunTrigger, { kind: 'http' }>,
    warn: (message: string) => void = () => undefined,
    closedRunWaitInMs = CLOSED_RUN_WAIT_IN_MS,
    etag?: string,
): Promise<ArrivalOutcome> {
    const appended = await outbox.append(
        target,
        trigger.kind === 'blob'
            ? { kind: 'blob', blobName: trigger.blobName, ...(etag ? { etag } : {}) }
            : { kind: 'timer' },
    );
    // Event Grid delivers at least once: a second delivery of a write a run already listed must not
    // start another run (it would only end Skipped, one record too many for one upload).
    if ('covered' in appended) return { instanceId: instanceIdFor(target), outcome: 'covered' };
    const { closedBy, arrival } = appended;
    // Under load a trigger can stall between its append and its start while a run takes the
    // arrival, trains and ends: a start then would only end Skipped on the same data (the likeliest
    // cause of an extra Skipped run CI saw in the burst test, not proven).
    // A take means that run listed storage after this arrival was recorded, so it saw the write;
    // whatever became of that run (a Failed one's data is found by the catch-up pass) is its own.
    const stillWanted = async (): Promise<boolean> => (await outbox.read(target)).takenSeq < arrival.seq;
    let won: StartOutcome = await startWithProof(client, target, trigger, stillWanted);
    if (won.outcome !== 'live') return { instanceId: won.instanceId, outcome: won.outcome };
    if (tookLastLook(closedBy, won.status)) {
        // That run has nothing left but to complete; an event would die with it. Start the next
        // one when it has ended. Correctness does not rest on this wait (the arrival is in the
        // outbox and the catch-up pass starts a run for it); it only saves a timer period.
        const deadline = Date.now() + closedRunWaitInMs;
        for (let pause = 200; won.outcome === 'live' && tookLastLook(closedBy, won.status);) {
            if (Date.now() + pause > deadline) return { instanceId: won.instanceId, outcome: 'pending' };
            await new Promise((ok) => setTimeout(ok, pause));
            pause = Math.min(pause * 2, 5_000);
            won = await startWithProof(client, target, trigger, stillWanted);
        }
        if (won.outcome !== 'live') return { instanceId: won.instanceId, outcome: won.outcome };
    }
    try {
        await client.raiseEvent(won.instanceId, DATA_ARRIVED_EVENT, trigger);
    } catch (err: unknown) {
        // Only a hint: the outbox holds the arrival whatever happens to the event.
        warn(`The data-arrived hint to ${won.instanceId} failed (${err instanceof Error ? err.name : 'error'}).`);
    }
    return { instanceId: won.instanceId, outcome: 'signalled' };
}

/**
 * How long a trigger waits for a run that has closed the outbox (taken its last look) to end, so
 * it can start the next one: well inside the Functions timeout (Flex Consumption: 30 min default).
 * Past it, the arrival stays pending in the outbox for the catch-up pass.
 */
export const CLOSED_RUN_WAIT_IN_MS = 10 * 60_000;

function tookLastLook(closedBy: OutboxCloser | undefined, live: df.DurableOrchestrationStatus): boolean {
    return closedBy !== undefined && runIdOf(live) === closedBy.runId;
}
