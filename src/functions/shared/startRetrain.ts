import * as df from 'durable-functions';

import { DATA_ARRIVED_EVENT, RetrainInput, RunTrigger } from '../../orchestrators/contracts';

export const RETRAIN_ORCHESTRATOR = 'retrain';

export function instanceIdFor(target: string): string {
    return `retrain-${target}`;
}

// ContinuedAsNew: between one run and the next one it started for data that came in meanwhile.
// Still the live instance: a start would be refused (it is not terminal), an event reaches the next run.
const LIVE = new Set<string>([
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
]);

export async function liveStatus(
    client: df.DurableClient,
    target: string,
): Promise<df.DurableOrchestrationStatus | undefined> {
    try {
        const status = await client.getStatus(instanceIdFor(target));
        return status && LIVE.has(status.runtimeStatus) ? status : undefined;
    } catch {
        return undefined; // no such instance yet
    }
}

/** Steps after the run's last look at storage: an event raised now would be dropped at completion. */
const FINISHING_STEPS = new Set(['checking-for-new-data', 'done']);
const FINISHING_WAIT_IN_MS = 15_000;
const FINISHING_POLL_IN_MS = 200;

function isFinishing(status: df.DurableOrchestrationStatus): boolean {
    const step = (status.customStatus as { step?: unknown } | null | undefined)?.step;
    return (
        status.runtimeStatus === df.OrchestrationRuntimeStatus.Running &&
        typeof step === 'string' &&
        FINISHING_STEPS.has(step)
    );
}

/**
 * Starts the target's one orchestration, or — when it is already running — tells it that more
 * data arrived (it debounces). The host refuses a second start of a live instance id atomically,
 * so two triggers racing here end as one run plus one event, never two runs. A run that has
 * already taken its last look at storage would drop the event, so the trigger waits for it to end
 * (or to continue as new) and then starts or signals the next one.
 */
export async function startOrSignal(
    client: df.DurableClient,
    target: string,
    trigger: RunTrigger,
): Promise<{ instanceId: string; started: boolean }> {
    const instanceId = instanceIdFor(target);
    const input: RetrainInput = { target, trigger };
    const finishingDeadline = Date.now() + FINISHING_WAIT_IN_MS;
    for (let attempt = 0; attempt < 3;) {
        const live = await liveStatus(client, target);
        if (live && isFinishing(live) && Date.now() < finishingDeadline) {
            await new Promise((ok) => setTimeout(ok, FINISHING_POLL_IN_MS));
            continue;
        }
        if (live) {
            await client.raiseEvent(instanceId, DATA_ARRIVED_EVENT, trigger);
            return { instanceId, started: false };
        }
        try {
            await client.startNew(RETRAIN_ORCHESTRATOR, { instanceId, input });
            return { instanceId, started: true };
        } catch {
            // Lost a start race (409): the next round signals the winner.
            attempt++;
        }
    }
    throw new Error(`Could not start or signal the retrain of '${target}'.`);
}
