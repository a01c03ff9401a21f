import type { HistoryEvent } from '../durable/history';
import type { WorkItem } from '../durable/records';
import type { SemanticsProfile } from './profile';

/** Share (0..1) of activity work items the azure profile runs twice at the same time; default 0.5. */
export const DUPLICATE_SHARE_ENV = 'RETRAINER_HOST_SEMANTICS_DUPLICATE_SHARE';
/** Activity names (comma-separated) whose every work item runs as two copies at once, whatever the share. */
export const DUPLICATE_ACTIVITIES_ENV = 'RETRAINER_HOST_SEMANTICS_DUPLICATE_ACTIVITIES';
/** Share (0..1) of episode commits with activity work the azure profile aborts after sending that work; default 0.2. */
export const ABORTED_COMMIT_SHARE_ENV = 'RETRAINER_HOST_SEMANTICS_ABORTED_COMMIT_SHARE';

/** Fault kind: one work item run as two copies at the same time. */
export const DUPLICATE_ACTIVITY = 'duplicate-activity';
/** Fault kind: an episode's commit aborted after its activity work was sent; the work is sent again. */
export const RESENT_AFTER_ABORTED_COMMIT = 'resent-after-aborted-commit';

/** The evidence logged with each `duplicate-activity` fault (its `detail`, as JSON). */
export interface DuplicateEvidence {
    activity: string;
    /** When each copy's function body was entered, ms since the epoch (sub-millisecond precision). */
    startedAtInMs: [number, number];
    /** When the first of the two copies finished. */
    firstFinishedAtInMs: number;
    /** Both copies started before either finished. */
    overlapped: boolean;
}

/** Runs one copy of an activity; `beforeFunction` is awaited just before the function body is entered. */
export type ExecuteCopy = (beforeFunction: () => Promise<void>) => Promise<HistoryEvent>;

/**
 * The activity half of the dev host's azure semantics profile (issue 13 part a): Azure runs an
 * activity at least once, and two copies of one work item can run at the same time, because
 * DurableTask.AzureStorage enqueues an episode's activity messages before its history checkpoint
 * and enqueues them again when the checkpoint fails (AzureStorageOrchestrationService.cs:1219-1264),
 * and a stopping host re-queues its activities (TaskActivityShim.cs:87-98); see
 * ../shared/reference/azure-runtime-semantics.md row D12. Under the profile this:
 * - runs a share of work items as two copies whose function bodies are entered together (a barrier
 *   holds the first until the second arrives) and sends both completions, as two Azure workers do;
 * - aborts a share of episode commits after their activity work was written, as a lost checkpoint
 *   does, and sends that work again under new ids, so each such activity runs twice.
 * Every injection is recorded in the profile's FaultLog.
 */
export class ActivitySemantics {
    readonly #aborted = new Set<string>();

    constructor(
        private readonly profile: SemanticsProfile,
        readonly duplicateShare: number,
        readonly abortedCommitShare: number,
        /** Activities always run as two copies at once. */
        readonly alwaysDuplicated: ReadonlySet<string> = new Set(),
    ) {}

    /**
     * The activity semantics of `profile`, or undefined for the default profile (nothing injected).
     * @throws Error naming the variable when a share is not a number in 0..1.
     */
    static of(profile: SemanticsProfile, env: Record<string, string | undefined>): ActivitySemantics | undefined {
        if (profile.name !== 'azure') return undefined;
        return new ActivitySemantics(
            profile,
            share(env, DUPLICATE_SHARE_ENV, 0.5),
            share(env, ABORTED_COMMIT_SHARE_ENV, 0.2),
            new Set(
                (env[DUPLICATE_ACTIVITIES_ENV] ?? '')
                    .split(',')
                    .map((n) => n.trim())
                    .filter((n) => n !== ''),
            ),
        );
    }

    /**
     * Runs the work item once, or (for the profile's share, and always for the named activities)
     * twice at the same time. Returns the
     * completions in the order the copies finished; the orchestration takes the first and drops the
     * other as a duplicate, as DurableTask.Core does.
     */
    async execute(item: WorkItem, copy: ExecuteCopy): Promise<HistoryEvent[]> {
        const twice = this.profile.random.chance(this.duplicateShare) || this.alwaysDuplicated.has(item.name);
        if (!twice) return [await copy(() => Promise.resolve())];
        let open!: () => void;
        const gate = new Promise<void>((ok) => (open = ok));
        let arrived = 0;
        const startedAtInMs: number[] = [];
        const finishedAtInMs: number[] = [];
        const run = (): Promise<HistoryEvent> =>
            copy(async () => {
                arrived += 1;
                if (arrived === 2) open();
                await gate;
                startedAtInMs.push(nowInMs());
            }).finally(() => {
                finishedAtInMs.push(nowInMs());
                // A copy that failed before entering its function must not hold the other at the gate.
                open();
            });
        const done: HistoryEvent[] = [];
        await Promise.all([run().then((e) => done.push(e)), run().then((e) => done.push(e))]);
        const firstFinishedAtInMs = Math.min(...finishedAtInMs);
        const evidence: DuplicateEvidence = {
            activity: item.name,
            startedAtInMs: [startedAtInMs[0] ?? NaN, startedAtInMs[1] ?? NaN],
            firstFinishedAtInMs,
            overlapped: startedAtInMs.length === 2 && Math.max(...startedAtInMs) < firstFinishedAtInMs,
        };
        this.profile.faults.record(DUPLICATE_ACTIVITY, subjectOf(item), JSON.stringify(evidence));
        return done;
    }

    /**
     * Called after an episode's outgoing work was written and before its commit point: for the
     * profile's share of episodes that schedule activities (each episode at most once), returns the
     * same work items again under new ids for the caller to write, and the caller discards the
     * episode as if its checkpoint had failed; it runs again on the next poll.
     */
    resendAfterAbortedCommit(instanceId: string, executionId: string, workItems: readonly WorkItem[]): WorkItem[] {
        if (workItems.length === 0) return [];
        const key = `${instanceId}/${executionId}/${workItems.map((w) => w.taskScheduledId).join(',')}`;
        if (this.#aborted.has(key) || !this.profile.random.chance(this.abortedCommitShare)) return [];
        this.#aborted.add(key);
        const again = workItems.map((w) => ({ ...w, resent: (w.resent ?? 0) + 1 }));
        this.profile.faults.record(
            RESENT_AFTER_ABORTED_COMMIT,
            instanceId,
            again.map((w) => `${w.name}#${w.taskScheduledId}`).join(', '),
        );
        return again;
    }
}

/** Parses the evidence of a `duplicate-activity` fault. */
export function duplicateEvidence(detail: string | undefined): DuplicateEvidence {
    return JSON.parse(detail ?? '{}') as DuplicateEvidence;
}

function subjectOf(item: WorkItem): string {
    return `${item.instanceId}/${item.name}#${item.taskScheduledId}${item.resent ? `~${item.resent}` : ''}`;
}

function nowInMs(): number {
    return performance.timeOrigin + performance.now();
}

function share(env: Record<string, string | undefined>, name: string, fallback: number): number {
    const text = env[name];
    if (text === undefined || text.trim() === '') return fallback;
    const value = Number(text);
    if (!(value >= 0 && value <= 1)) throw new Error(`${name} must be a number from 0 to 1, not '${text}'.`);
    return value;
}
