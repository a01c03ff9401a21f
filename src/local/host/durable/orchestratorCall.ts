import { Invoker } from '../core/invoker';
import { FunctionRegistry } from '../core/registry';
import { fromTypedData } from '../core/typedData';
import { OrchestratorState } from './actions';
import { HistoryEvent } from './history';

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

export class OrchestratorProtocolError extends Error {
    override name = 'OrchestratorProtocolError';
}

export interface EpisodeInput {
    name: string;
    instanceId: string;
    parentInstanceId: string | null;
    /** Parsed orchestration input. */
    input: unknown;
    past: HistoryEvent[];
    fresh: HistoryEvent[];
}

export interface EpisodeResult {
    state: OrchestratorState;
    failed: boolean;
}

/**
 * One orchestrator episode through the library's invocation model: the orchestrationTrigger
 * payload the Durable extension builds (schema V3, past events IsPlayed, one new
 * OrchestratorStarted first among the fresh ones), and the OrchestratorState back, including the
 * one durable-functions smuggles inside the error message when the orchestrator failed.
 */
export async function runOrchestratorEpisode(
    registry: FunctionRegistry,
    invoker: Invoker,
    ep: EpisodeInput,
): Promise<EpisodeResult> {
    const fn = registry.get(ep.name);
    if (!fn || fn.trigger.type !== 'orchestrationTrigger') {
        throw new OrchestratorProtocolError(
            `The function '${ep.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        );
    }
    const binding = {
        history: [
            ...ep.past.map((e) => ({ ...e, IsPlayed: true })),
            ...ep.fresh.map((e) => ({ ...e, IsPlayed: false })),
        ],
        input: ep.input,
        instanceId: ep.instanceId,
        isReplaying: ep.past.length > 0,
        parentInstanceId: ep.parentInstanceId,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 2,
        // Far beyond any dev-host timer, so the SDK never splits a timer into a LongTimerTask chain.
        maximumShortTimerDuration: '3650.00:00:00',
        longRunningTimerIntervalDuration: '3.00:00:00',
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    try {
        const { response } = await invoker.invoke(ep.name, {
            inputData: [{ name: fn.triggerName, data: { string: JSON.stringify(binding) } }],
            quiet: true,
        });
        const state = fromTypedData(response.returnValue) as OrchestratorState | undefined;
        if (!state || typeof state !== 'object')
            throw new OrchestratorProtocolError(`Orchestrator '${ep.name}' returned no state.`);
        return { state, failed: false };
    } catch (err: unknown) {
        const message = err instanceof Error ? err.message : String(err);
        const i = message.indexOf(OUT_OF_PROC_LABEL);
        if (i < 0) {
            // Not the SDK's failure envelope: the orchestrator crashed outside the replay (e.g. at load).
            return { state: { isDone: false, actions: [[]], error: message }, failed: true };
        }
        return { state: JSON.parse(message.slice(i + OUT_OF_PROC_LABEL.length)) as OrchestratorState, failed: true };
    }
}
