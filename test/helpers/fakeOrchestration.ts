import type * as df from 'durable-functions';

import {
    Activities,
    type CancellationRecord,
    type ManifestSnapshot,
    type ModelLocation,
    type SubmittedJob,
    type TargetPlan,
    type Verdict,
} from '../../src/orchestrators/contracts';

/**
 * The target plan orchestrator tests start from (30 s quiet period, 2 min max wait, 10 min job
 * deadline, polls from 5 s to 60 s, three tries per activity, three verification attempts 15 s
 * apart); a test overrides what its scenario is about.
 */
export function fakePlan(overrides: Partial<TargetPlan> = {}): TargetPlan {
    return {
        target: 'churn',
        quietPeriodInMs: 30_000,
        maxWaitInMs: 120_000,
        jobDeadlineInMs: 600_000,
        pollInitialIntervalInMs: 5_000,
        pollMaxIntervalInMs: 60_000,
        activityRetry: { firstRetryIntervalInMs: 1_000, maxAttempts: 3 },
        retrainOnScheduleWithoutNewData: false,
        verify: { attempts: 3, intervalInMs: 15_000 },
        ...overrides,
    };
}

/** One data file of target churn, as snapshotManifest answers. */
/** An Azure ML v2 rollout plan: traffic 10/50/100 with 10-minute bakes, one deployment kept. */
export const fakeRollout: NonNullable<TargetPlan['rollout']> = {
    stepsInPercent: [10, 50, 100],
    bakeInMs: 600_000,
    pollIntervalInMs: 10_000,
    operationTimeoutInMs: 120_000,
    keepDeployments: 1,
};

export const fakeManifest: ManifestSnapshot = {
    runKey: 'abcdef0123456789',
    blobs: [{ name: 'churn/a.csv', etag: '"1"', contentLength: 10 }],
};

/** A submitted BES job writing under models/churn/r/, as submitJob answers. */
export const fakeJob: SubmittedJob = {
    jobId: 'job-1',
    modelOutput: { baseLocation: 'http://s/', relativeLocation: 'models/churn/r/model.ilearner' },
    evaluationOutput: { baseLocation: 'http://s/', relativeLocation: 'models/churn/r/evaluation.csv' },
};

/** The model served before the run. */
export const fakeChampion = {
    runId: 'old-run',
    model: { baseLocation: 'http://s/', relativeLocation: 'old' },
    metrics: {},
};

/**
 * A cancel request that reached a classic run while it promoted: recorded, not honoured, as the
 * orchestrator records one (test/orchestrators/cancellation.test.ts checks that shape).
 */
export const lateCancellation: CancellationRecord = {
    kind: 'requested',
    by: 'ana',
    at: '2026-11-30T10:00:00.000Z',
    why: 'wrong file',
    step: 'promoting',
    honoured: false,
    declined: 'Too late: the run was already promoting (past the last point a run can stop), so it went on.',
};

/** A scripted activity: `call` counts this activity's calls from 1. */
export type ActivityHandler = (input: unknown, call: number) => Answer;

/**
 * The answer to the steps every run takes before its verdict, as the services give them when all
 * goes well: `plan`, one data file (fakeManifest), `job` submitted and Finished at the first look.
 * Undefined for any other activity: the test answers those.
 */
export function beforeVerdict(name: string, plan: TargetPlan, job: SubmittedJob = fakeJob): Answer | undefined {
    switch (name) {
        case Activities.loadPlan:
            return { value: plan };
        case Activities.snapshotManifest:
            return { value: fakeManifest };
        case Activities.submitJob:
            return { value: job };
        case Activities.getJobStatus:
            return { value: { state: 'Finished' } };
        default:
            return undefined;
    }
}

/** What `passingRun` answers; `nothing` answers the activities that return nothing (rollback, cancelJob, record). */
export interface PassingRun {
    plan: TargetPlan;
    verdict: Verdict;
    /** The model the endpoint served before the promotion. */
    before: ModelLocation | null;
    manifest?: ManifestSnapshot;
    job?: SubmittedJob;
    /** What verify answers. Default: passed, no reasons. */
    verified?: unknown;
    nothing?: null | undefined;
}

/**
 * Handlers for a classic run that goes well: the plan, the data (default fakeManifest), the job
 * (default fakeJob; Running at the first two looks, then Finished), the verdict, a promotion from
 * `before` to the job's model, a passing verification; rollback, cancelJob and record return
 * `nothing`. A test spreads it under the handlers its scenario is about.
 */
export function passingRun(o: PassingRun): Record<string, ActivityHandler> {
    const job = o.job ?? fakeJob;
    const nothing = (): Answer => ({ value: o.nothing });
    return {
        [Activities.loadPlan]: () => ({ value: o.plan }),
        [Activities.snapshotManifest]: () => ({ value: o.manifest ?? fakeManifest }),
        [Activities.submitJob]: () => ({ value: job }),
        [Activities.getJobStatus]: (_i, n) => ({ value: { state: n < 3 ? 'Running' : 'Finished' } }),
        [Activities.evaluate]: () => ({ value: o.verdict }),
        [Activities.promote]: () => ({ value: { before: o.before, after: job.modelOutput } }),
        [Activities.verify]: () => ({ value: o.verified ?? { passed: true, reasons: [] } }),
        [Activities.rollback]: nothing,
        [Activities.cancelJob]: nothing,
        [Activities.record]: nothing,
    };
}

/**
 * Answers activity tasks by name from `handlers`, else `fallback`, counting each activity's calls
 * from 1 (what a handler's `call` says).
 *
 * @throws Error `no answer for <name>` for an activity neither answers: the test did not expect it.
 */
export function activityAnswers(
    handlers: Partial<Record<string, ActivityHandler>>,
    fallback: Partial<Record<string, ActivityHandler>> = {},
): (task: FakeTask & { kind: 'activity' }) => Answer {
    const calls: Record<string, number> = {};
    return (task) => {
        calls[task.name] = (calls[task.name] ?? 0) + 1;
        const handler = handlers[task.name] ?? fallback[task.name];
        if (!handler) throw new Error(`no answer for ${task.name}`);
        return handler(task.input, calls[task.name]);
    };
}

/**
 * A responder for runs in which only time passes: every timer fires, the timer wins every race (no
 * event ever comes), and activities are answered as `activityAnswers(handlers, fallback)` does.
 */
export function timersOnly(
    handlers: Partial<Record<string, ActivityHandler>>,
    fallback: Partial<Record<string, ActivityHandler>> = {},
): (task: FakeTask) => Answer {
    const activity = activityAnswers(handlers, fallback);
    return (task) => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind === 'any') return { value: task.tasks.find((t) => t.kind === 'timer') };
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        return activity(task);
    };
}

/**
 * Steps an orchestrator generator by hand: every yielded task is answered by `respond`, and the
 * clock only moves when a timer fires. Enough of context.df for our orchestrators; replay against
 * the real SDK is tested through the dev host.
 */
export type FakeTask =
    | { kind: 'activity'; name: string; input: unknown; isCompleted: boolean; isFaulted: boolean }
    | {
          kind: 'timer';
          fireAt: Date;
          canceled: boolean;
          cancel(): void;
          isCompleted: boolean;
          isFaulted: boolean;
          isCanceled: boolean;
      }
    | { kind: 'event'; name: string; isCompleted: boolean; isFaulted: boolean }
    | { kind: 'any'; tasks: FakeTask[]; isCompleted: boolean; isFaulted: boolean };

/** `at` moves the clock to when the answer happened (e.g. an event arriving). */
export type Answer = { value: unknown; at?: Date } | { error: Error };

export interface FakeRun<T> {
    output: T;
    calls: { name: string; input: unknown }[];
    statuses: unknown[];
    timers: Date[];
    canceledTimers: number;
    now: Date;
    /** The input passed to continueAsNew, if the orchestrator called it. */
    continuedAsNew?: unknown;
}

export function runFake<T>(
    orchestrator: (ctx: df.OrchestrationContext) => Generator<df.Task, T, unknown>,
    input: unknown,
    respond: (task: FakeTask, now: Date) => Answer,
    options: { start?: Date; instanceId?: string; maxSteps?: number } = {},
): FakeRun<T> {
    let now = new Date(options.start ?? '2026-01-01T00:00:00Z');
    const calls: { name: string; input: unknown }[] = [];
    const statuses: unknown[] = [];
    const timers: Date[] = [];
    let canceledTimers = 0;
    let continued: { input: unknown } | undefined;
    const base = { isCompleted: false, isFaulted: false };
    const dfApi = {
        instanceId: options.instanceId ?? 'retrain-test',
        isReplaying: false,
        get currentUtcDateTime() {
            return now;
        },
        getInput: () => input,
        setCustomStatus: (s: unknown) => statuses.push(s),
        continueAsNew: (i: unknown) => {
            continued = { input: structuredClone(i) };
        },
        callActivity: (name: string, i: unknown) => ({ ...base, kind: 'activity', name, input: i }),
        callActivityWithRetry: (name: string, _r: unknown, i: unknown) => ({
            ...base,
            kind: 'activity',
            name,
            input: i,
        }),
        createTimer: (fireAt: Date) => {
            timers.push(fireAt);
            const t = {
                ...base,
                kind: 'timer',
                fireAt,
                canceled: false,
                isCanceled: false,
                cancel() {
                    t.canceled = true;
                    t.isCanceled = true;
                    canceledTimers += 1;
                },
            };
            return t;
        },
        waitForExternalEvent: (name: string) => ({ ...base, kind: 'event', name }),
        Task: { any: (tasks: FakeTask[]) => ({ ...base, kind: 'any', tasks }) },
    };
    const ctx = { df: dfApi, log: () => undefined, warn: () => undefined } as unknown as df.OrchestrationContext;
    // Timers and activities already yielded. durable-functions 3.x adds a new Task.any's action
    // with the actions of all its children, so a child it scheduled before is scheduled again: in
    // both hosts the copy takes the next sequence number, and every later task is answered with
    // the result meant for the one before it (Azure/azure-functions-durable-js#574). Waiters for
    // events are matched by name, not number, so racing one again is safe.
    const scheduled = new Set<FakeTask>();
    const schedule = (task: FakeTask, inAny: boolean): void => {
        if (task.kind === 'any') {
            for (const child of task.tasks) schedule(child, true);
            return;
        }
        if (task.kind === 'event') return;
        if (inAny && scheduled.has(task)) {
            const what = task.kind === 'timer' ? `timer for ${task.fireAt.toISOString()}` : `activity ${task.name}`;
            throw new Error(
                `the orchestrator raced a ${what} it had already yielded in a new Task.any: the SDK schedules it a second time (Azure/azure-functions-durable-js#574)`,
            );
        }
        scheduled.add(task);
    };
    const gen = orchestrator(ctx);
    let next = gen.next();
    for (let i = 0; !next.done; i++) {
        if (i > (options.maxSteps ?? 500)) throw new Error('orchestrator did not finish within maxSteps');
        const task = next.value as unknown as FakeTask;
        // The real SDK drops anything scheduled after continueAsNew: here it is a bug to find.
        if (continued) throw new Error('the orchestrator scheduled a task after calling continueAsNew');
        schedule(task, false);
        if (task.kind === 'activity') calls.push({ name: task.name, input: structuredClone(task.input) });
        const answer = respond(task, now);
        if ('at' in answer && answer.at) now = new Date(Math.max(now.getTime(), answer.at.getTime()));
        if (task.kind === 'timer' && 'value' in answer) now = new Date(Math.max(now.getTime(), task.fireAt.getTime()));
        if (task.kind === 'any' && 'value' in answer) {
            const winner = answer.value as FakeTask;
            if (winner.kind === 'timer') now = new Date(Math.max(now.getTime(), winner.fireAt.getTime()));
        }
        next = 'error' in answer ? gen.throw(answer.error) : gen.next(answer.value);
    }
    const run: FakeRun<T> = { output: next.value, calls, statuses, timers, canceledTimers, now };
    if (continued) run.continuedAsNew = continued.input;
    return run;
}
