import * as df from 'durable-functions';

import { CANCEL_EVENT, CancelRequestEvent } from './contracts';

/**
 * Thrown inside the run's steps when a cancel request is seen; the orchestrator catches it at the
 * top and ends the run Cancelled. An exception, so that a request seen deep in a wait (the debounce
 * loop, the job poll, the approval wait) unwinds every step in between.
 */
export class RunCancelledSignal extends Error {
    override name = 'RunCancelledSignal';
    constructor(readonly request: CancelRequestEvent) {
        super(`Cancelled by ${request.by}`);
    }
}

/**
 * The run's one listener for {@link CANCEL_EVENT}, raced against each of its waits.
 *
 * One task for the whole execution, not one per wait: the SDK hands a raised event to the newest
 * open waiter of that name, and a per-wait waiter left behind by a wait its timer won would swallow
 * a request raised later, while the run is busy in an activity. With one task, such a request
 * completes it (its wait is over, so nothing resumes), and the next wait or checkpoint sees it
 * completed. A request raised before the task was ever yielded is buffered by the SDK and
 * delivered when it is. Disabled (no task, no extra action) for plans that predate cancellation,
 * so their histories replay with exactly the waits they had.
 *
 * The cancel route may raise the same request more than once (a second request re-raises the
 * first, in case the route that claimed it died before raising it): copies after the first stay
 * buffered by the SDK, since nothing waits for a second one, so duplicates count as one. A request
 * for another execution of the instance (its `forExecution` is not this run's `startedAt`: carried
 * over at continue-as-new, or raised from a status read before it) is dropped, and the run listens
 * again, so it never stops a later run.
 */
export class CancelWatch {
    #task: df.Task | undefined;
    #yielded = false;
    #passed = false;

    /** `execution`: this execution's `startedAt` (ISO), as its custom status gives it to the route. */
    constructor(
        private readonly context: df.OrchestrationContext,
        private readonly enabled: boolean,
        private readonly execution: string,
    ) {}

    /**
     * Waits for the first of the tasks `make` returns or a cancel request for this run, and returns
     * which of them won (`index` into `tasks`, the tasks raced last). A request for another
     * execution is dropped and the wait goes on against a fresh listener and fresh tasks from
     * `make` (the same timers, due at the same times): durable-functions adds a new `Task.any`'s
     * action with the actions of all its children, so racing a timer it had already scheduled would
     * schedule it again, and every later task would get the result meant for the one before it
     * (Azure/azure-functions-durable-js#574). An earlier timer left behind fires unread.
     * @throws RunCancelledSignal when a request for this run was made
     */
    *any<T extends df.Task[]>(make: () => [...T]): Generator<df.Task, { index: number; tasks: T }, unknown> {
        for (;;) {
            const tasks = make() as T;
            const winner: unknown = yield this.context.df.Task.any(this.race(tasks));
            if (!this.enabled || winner !== this.#task) return { index: tasks.indexOf(winner as df.Task), tasks };
            this.throwIfRequested();
        }
    }

    /**
     * `tasks` plus the cancel listener, for `Task.any`.
     * @throws RunCancelledSignal when a request was already seen
     */
    private race(tasks: df.Task[]): df.Task[] {
        if (!this.enabled) return tasks;
        this.throwIfRequested();
        this.#yielded = true;
        return [...tasks, this.#listener()];
    }

    /** @throws RunCancelledSignal when a request has been seen. */
    throwIfRequested(): void {
        const request = this.seen();
        if (request) throw new RunCancelledSignal(request);
    }

    /**
     * The request the listener has received, if any, without acting on it. After the checkpoint
     * before promotion nothing acts on a request any more; the run reads it here to record that one
     * came too late (the route checked the step, then the run moved past the checkpoint before the
     * request reached it) rather than drop it.
     */
    seen(): CancelRequestEvent | undefined {
        const task = this.#task;
        if (task === undefined || !task.isCompleted) return undefined;
        const request = cancelRequestOf(task.result, this.context.df.currentUtcDateTime.toISOString());
        if (request.forExecution === undefined || request.forExecution === this.execution) return request;
        // Not for this run: dropped, so that the next race listens again. After the checkpoint the
        // listener is not raced any more, so a request for this run that came later still would not
        // be seen; a stray reaches a run at its start (carried over) or while a stale status lasts.
        this.#task = undefined;
        return undefined;
    }

    /**
     * Before a step that stopping cannot undo (promotion): a request raised while the run was busy
     * has been seen if the listener was ever yielded; if it never was (a job that finished at the
     * first status read), the SDK still buffers the request, so race the listener once against a
     * timer due now to receive it.
     * @throws RunCancelledSignal when a request was made
     */
    *checkpoint(): Generator<df.Task, void, unknown> {
        if (!this.enabled) return;
        this.throwIfRequested();
        if (!this.#yielded) {
            const now = this.context.df.currentUtcDateTime;
            yield* this.any(() => [this.context.df.createTimer(now)]);
        }
        this.#passed = true;
    }

    /**
     * A request that reached the run after its {@link checkpoint}: too late to act on, so the run
     * records it as declined. The listener stays open after the checkpoint, so the SDK still
     * delivers a request raised later; undefined before the checkpoint (a request seen then stops
     * the run) and when none came.
     */
    late(): CancelRequestEvent | undefined {
        return this.#passed ? this.seen() : undefined;
    }

    #listener(): df.Task {
        this.#task ??= this.context.df.waitForExternalEvent(CANCEL_EVENT);
        return this.#task;
    }
}

/** Reads the payload defensively: only the cancel route raises it, but a malformed one still cancels. */
function cancelRequestOf(raw: unknown, fallbackAt: string): CancelRequestEvent {
    const fields = new Map<string, unknown>(typeof raw === 'object' && raw !== null ? Object.entries(raw) : []);
    const text = (key: keyof CancelRequestEvent): string | undefined => {
        const v = fields.get(key);
        return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const why = text('why');
    const forExecution = text('forExecution');
    return {
        by: text('by') ?? 'unknown',
        at: text('at') ?? fallbackAt,
        ...(why ? { why } : {}),
        ...(forExecution ? { forExecution } : {}),
    };
}
