import { Invoker } from '../core/invoker';
import { FunctionRegistry } from '../core/registry';
import { flattenActions, OrchestratorState, processedInputJson } from './actions';
import { Ending, nextEventId, parentNotice, parseJson } from './delivery';
import { ActionType, event, EventType, HistoryEvent } from './history';
import { EpisodeResult, runOrchestratorEpisode } from './orchestratorCall';
import { EpisodePlanner, emptyOutgoing, Outgoing } from './planner';
import { InboxMessage, InstanceRecord } from './records';

/** What one episode decided: the events to append, the work it sends out, and how it ended if it did. */
export interface Episode {
    events: HistoryEvent[];
    out: Outgoing;
    ending: Ending | undefined;
    customStatus: string | null;
    knownActions: number;
}

/**
 * Runs one episode of `inst` over its committed history `past` with the messages `deliver`: a
 * terminate ends it without running the orchestrator; otherwise the SDK replays and only the
 * actions beyond `knownActions` are planned. Nothing is written here.
 */
export async function runEpisode(
    registry: FunctionRegistry,
    invoker: Invoker,
    inst: InstanceRecord,
    past: HistoryEvent[],
    deliver: InboxMessage[],
    now: Date,
): Promise<Episode> {
    const ts = now.toISOString();
    const fresh: HistoryEvent[] = [event(EventType.OrchestratorStarted, -1, ts)];
    if (inst.needsStart) {
        fresh.push(
            event(EventType.ExecutionStarted, -1, ts, {
                Name: inst.name,
                Version: '',
                Input: inst.input,
                OrchestrationInstance: { InstanceId: inst.instanceId, ExecutionId: inst.executionId },
                ParentInstance: inst.parent ? { OrchestrationInstance: { InstanceId: inst.parent.instanceId } } : null,
            }),
        );
    }
    const terminate = deliver.find((m) => m.event.EventType === EventType.ExecutionTerminated);
    let planner = new EpisodePlanner(inst, nextEventId(past), now);
    let ending: Ending | undefined;
    let customStatus = inst.customStatus;
    let knownActions = inst.knownActions;
    if (terminate) {
        fresh.push({ ...terminate.event, Timestamp: ts });
        ending = { status: 'Terminated', output: terminate.event.Input ?? 'null' };
    } else {
        fresh.push(...deliver.map((m) => ({ ...m.event, Timestamp: m.event.Timestamp || ts })));
        const result = await runOrchestratorEpisode(registry, invoker, {
            name: inst.name,
            instanceId: inst.instanceId,
            parentInstanceId: inst.parent?.instanceId ?? null,
            input: parseJson(inst.input),
            past,
            fresh,
        }).catch((err: unknown): EpisodeResult => ({
            state: { isDone: false, actions: [[]], error: err instanceof Error ? err.message : String(err) },
            failed: true,
        }));
        if (result.state.customStatus !== undefined) customStatus = JSON.stringify(result.state.customStatus);
        ending = scheduleActions(result.state, result.failed, inst, planner, deliver);
        if (ending?.status === 'Failed' && !result.failed) planner = new EpisodePlanner(inst, nextEventId(past), now);
        knownActions = flattenActions(result.state).length;
    }
    const events = [...fresh, ...planner.events, event(EventType.OrchestratorCompleted, -1, ts)];
    if (ending && ending.status !== 'ContinuedAsNew') {
        events.push(
            event(EventType.ExecutionCompleted, -1, ts, {
                OrchestrationStatus: ending.status,
                Result: ending.output,
            }),
        );
    }
    const out = ending && ending.status !== 'ContinuedAsNew' ? emptyOutgoing() : planner.out;
    if (ending && inst.parent) out.messages.push(parentNotice(inst, inst.parent, ending, now));
    return { events, out, ending, customStatus, knownActions };
}

/** Plans the new actions; returns how the execution ended, if it did. */
function scheduleActions(
    state: OrchestratorState,
    failed: boolean,
    inst: InstanceRecord,
    planner: EpisodePlanner,
    deliver: InboxMessage[],
): Ending | undefined {
    if (failed) {
        return {
            status: 'Failed',
            output: JSON.stringify(`Orchestrator function '${inst.name}' failed: ${state.error ?? 'unknown error'}`),
        };
    }
    const flat = flattenActions(state);
    try {
        for (const action of flat.slice(inst.knownActions)) planner.schedule(action);
    } catch (err: unknown) {
        return {
            status: 'Failed',
            output: JSON.stringify(
                `Orchestrator function '${inst.name}' failed: ${err instanceof Error ? err.message : String(err)}`,
            ),
        };
    }
    if (state.isDone) {
        const can = flat.find((a) => a.actionType === ActionType.ContinueAsNew);
        if (can) return { status: 'ContinuedAsNew', output: null, nextInput: processedInputJson(can.input) ?? 'null' };
        return { status: 'Completed', output: JSON.stringify(state.output === undefined ? null : state.output) };
    }
    const last = deliver[deliver.length - 1];
    if (last) planner.continueRetry(last);
    return undefined;
}
