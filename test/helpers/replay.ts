import assert from 'node:assert/strict';

import type * as df from 'durable-functions';

import { Answer, FakeTask, runFake } from './fakeOrchestration';

/** One step of a recorded orchestration: what it scheduled, and what came back. */
export interface HistoryStep {
    scheduled: unknown;
    result: { value?: unknown; error?: string; winner?: number; at?: string };
}

export interface RecordedHistory {
    input: unknown;
    start: string;
    steps: HistoryStep[];
    output: unknown;
    /** The next execution's input when the orchestration ended with continueAsNew. */
    continuedAsNew?: unknown;
}

function describe(task: FakeTask): unknown {
    switch (task.kind) {
        case 'activity':
            return { activity: task.name, input: task.input };
        case 'timer':
            return { timer: task.fireAt.toISOString() };
        case 'event':
            return { event: task.name };
        case 'any':
            return { any: task.tasks.map(describe) };
    }
}

/** Answers each scheduled task from the history, failing at the first one that differs from it. */
function answerFrom(history: RecordedHistory, onBeyond: (task: FakeTask, step: number) => never) {
    let i = 0;
    const respond = (task: FakeTask): Answer => {
        const step = history.steps[i];
        if (!step) onBeyond(task, i);
        assert.deepEqual(describe(task), step.scheduled, `nondeterminism at step ${i}`);
        i += 1;
        const at = step.result.at ? new Date(step.result.at) : undefined;
        if (step.result.error !== undefined) return { error: new Error(step.result.error) };
        if (step.result.winner !== undefined && task.kind === 'any')
            return { value: task.tasks[step.result.winner], at };
        return { value: step.result.value, at };
    };
    return { respond, replayed: () => i };
}

/**
 * Replays an orchestrator against a recorded history, as the durable runtime does after a restart:
 * every task it schedules must be the one the history recorded at that step, or the replay fails
 * with the first divergence (the nondeterminism that would corrupt an in-flight instance). The run
 * must also end where the history did, with the same output (and the same continueAsNew, if any).
 */
export function replayHistory<T>(
    orchestrator: (ctx: df.OrchestrationContext) => Generator<df.Task, T, unknown>,
    history: RecordedHistory,
): T {
    const replay = answerFrom(history, (task, i) =>
        assert.fail(
            `step ${i}: the orchestrator scheduled ${JSON.stringify(describe(task))} beyond the recorded history`,
        ),
    );
    const run = runFake(orchestrator, history.input, replay.respond, { start: new Date(history.start) });
    assert.equal(replay.replayed(), history.steps.length, 'the orchestrator finished before the recorded history did');
    assert.deepEqual(run.continuedAsNew, history.continuedAsNew, 'continueAsNew differs from the recorded history');
    return run.output;
}

class BeyondHistory extends Error {
    constructor(readonly next: unknown) {
        super('beyond the recorded history');
    }
}

/**
 * Replays a history recorded by an earlier version whose orchestration has since grown steps after
 * the recorded end. This is what real Durable Functions does with an instance in flight across a
 * deployment: the recorded prefix must replay exactly, then the new steps are scheduled. Returns
 * the first task scheduled past the end (undefined if the orchestrator ended exactly there).
 */
export function replayPrefix<T>(
    orchestrator: (ctx: df.OrchestrationContext) => Generator<df.Task, T, unknown>,
    history: RecordedHistory,
): { next: unknown } {
    const replay = answerFrom(history, (task) => {
        throw new BeyondHistory(describe(task));
    });
    try {
        runFake(orchestrator, history.input, replay.respond, { start: new Date(history.start) });
    } catch (err) {
        if (err instanceof BeyondHistory) return { next: err.next };
        throw err;
    }
    assert.equal(replay.replayed(), history.steps.length, 'the orchestrator finished before the recorded history did');
    return { next: undefined };
}

/** Records a history by answering with `respond` (used to capture the fixtures once). */
export function recordHistory<T>(
    orchestrator: (ctx: df.OrchestrationContext) => Generator<df.Task, T, unknown>,
    input: unknown,
    respond: Parameters<typeof runFake>[2],
    start = '2026-01-01T00:00:00.000Z',
): RecordedHistory {
    const steps: HistoryStep[] = [];
    const run = runFake(
        orchestrator,
        input,
        (task, now) => {
            const answer = respond(task, now);
            const result: HistoryStep['result'] = {};
            if ('error' in answer) result.error = answer.error.message;
            else if (task.kind === 'any') result.winner = task.tasks.indexOf(answer.value as FakeTask);
            else result.value = answer.value;
            if ('at' in answer && answer.at) result.at = answer.at.toISOString();
            steps.push({ scheduled: JSON.parse(JSON.stringify(describe(task))) as unknown, result });
            return answer;
        },
        { start: new Date(start) },
    );
    const history: RecordedHistory = {
        input,
        start,
        steps: JSON.parse(JSON.stringify(steps)) as HistoryStep[],
        output: run.output,
    };
    if (run.continuedAsNew !== undefined) history.continuedAsNew = run.continuedAsNew;
    return history;
}
