import {
    Activities,
    ManifestSnapshot,
    RetrainInput,
    SubmittedJob,
    TargetPlan,
} from '../../src/orchestrators/contracts';
import { ActivityHandler, activityAnswers, Answer, fakePlan, FakeTask, passingRun } from '../helpers/fakeOrchestration';

/**
 * The scenarios behind test/orchestrators/histories/v2: each answers the orchestrator's tasks as
 * the services would, and `recordHistories.ts` turns them into history files. Values match the
 * v1 histories, so the two versions can be read side by side.
 */
export interface Scenario {
    input: RetrainInput;
    respond: (task: FakeTask, now: Date) => Answer;
}

const base = 'http://127.0.0.1:10000/devstoreaccount1/';
const plan: TargetPlan = fakePlan({ jobDeadlineInMs: 60_000, pollMaxIntervalInMs: 20_000 });
const manifest: ManifestSnapshot = {
    runKey: '5f2a9c0d1e3b4a6f7788990011223344',
    blobs: [
        { name: 'churn/a.csv', etag: '"0x1"', contentMd5: 'q1w2e3==', contentLength: 1200 },
        { name: 'churn/b.csv', etag: '"0x2"', contentLength: 900 },
    ],
};
/** The data after churn/c.csv landed while the run trained. */
const withLateFile: ManifestSnapshot = {
    runKey: '77e1c3a9b5d2f4e6081a2b3c4d5e6f70',
    blobs: [...manifest.blobs, { name: 'churn/c.csv', etag: '"0x3"', contentMd5: 'z9x8c7==', contentLength: 700 }],
};
const job: SubmittedJob = {
    jobId: '9b1f0e2d3c4a5b6e7f8091a2b3c4d5e6',
    modelOutput: { baseLocation: base, relativeLocation: 'models/churn/run/model.ilearner' },
    evaluationOutput: { baseLocation: base, relativeLocation: 'models/churn/run/evaluation.csv' },
};
const champion = {
    runId: '20251201T030000000Z-aaaaaaaaaaaa',
    model: { baseLocation: base, relativeLocation: 'models/churn/old/model.ilearner' },
    metrics: { auc: 0.8 },
};
const passed = { passed: true, reasons: ['auc 0.83 >= 0.7'], metrics: { auc: 0.83 }, comparedTo: champion };
const notServed = { passed: false, reasons: ["row 1: 'Scored Labels' is 0, expected 1"] };
const served = { passed: true, reasons: ['the endpoint reports the new model', 'row 1 matches'] };

/** Answers activities per name (counting calls), fires timers, and lets `any` answer as `race` says. */
function script(
    handlers: Partial<Record<string, ActivityHandler>>,
    race: (task: FakeTask & { kind: 'any' }, now: Date, call: number) => Answer = (t) => ({
        value: t.tasks.find((x) => x.kind === 'timer'),
    }),
): Scenario['respond'] {
    let anys = 0;
    const activity = activityAnswers(
        handlers,
        passingRun({
            plan,
            manifest,
            job,
            verdict: passed,
            before: champion.model,
            verified: served,
            nothing: null,
        }),
    );
    return (task, now) => {
        if (task.kind === 'timer') return { value: null };
        if (task.kind === 'any') return race(task, now, ++anys);
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        return activity(task);
    };
}

const http: RetrainInput = { target: 'churn', trigger: { kind: 'http' } };
const blob: RetrainInput = { target: 'churn', trigger: { kind: 'blob', blobName: 'churn/a.csv' } };
const timer: RetrainInput = { target: 'churn', trigger: { kind: 'timer', scheduledAt: '2026-01-01T00:00:00.000Z' } };

export const scenarios: Record<string, Scenario> = {
    /** Two more files within the quiet period, then quiet: one run, and no file came during it. */
    'promoted-after-burst': {
        input: blob,
        respond: script({}, (t, now, n) =>
            n <= 2
                ? { value: t.tasks.find((x) => x.kind === 'event'), at: new Date(now.getTime() + 10_000) }
                : { value: t.tasks.find((x) => x.kind === 'timer') },
        ),
    },
    rejected: {
        input: http,
        respond: script({
            [Activities.evaluate]: () => ({
                value: { ...passed, passed: false, reasons: ['auc 0.61 < required 0.7'], metrics: { auc: 0.61 } },
            }),
        }),
    },
    /** The endpoint serves the old model on the first check (PATCH still propagating), the new one 15 s later. */
    'promoted-on-second-verification': {
        input: http,
        respond: script({ [Activities.verify]: (_i, n) => ({ value: n === 1 ? notServed : served }) }),
    },
    /** Three checks 15 s apart all see the old model (one could not even score): rolled back. */
    'rolled-back-after-three-verifications': {
        input: timer,
        respond: script({
            [Activities.verify]: (_i, n) =>
                n === 2 ? { error: new Error('RRS execute failed: 503') } : { value: notServed },
        }),
    },
    'job-failed-after-transient-error': {
        input: http,
        respond: script({
            [Activities.getJobStatus]: (_i, n) =>
                n === 1
                    ? { error: new Error('BES getJobStatus failed: 503') }
                    : { value: { state: 'Failed', details: "Column 'churned' not found" } },
        }),
    },
    'deadline-cancelled': {
        input: { target: 'churn', trigger: { kind: 'http', globalParameters: { l2: '0.01' } } },
        respond: script({ [Activities.getJobStatus]: () => ({ value: { state: 'Running' } }) }),
    },
    /** The data was already used: Skipped, and the fresh look finds the same data, so it ends. */
    'skipped-same-data': {
        input: blob,
        respond: script({
            [Activities.snapshotManifest]: () => ({ value: { ...manifest, previousRunId: champion.runId } }),
        }),
    },
    /** churn/c.csv lands while the job trains: after recording, the instance continues as new for it. */
    'continued-as-new-after-late-file': {
        input: blob,
        respond: script({ [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? manifest : withLateFile }) }),
    },
    /** A call that named its files chose them: no fresh look after the run. */
    'named-blobs-no-follow-up': {
        input: { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/a.csv'] } },
        respond: script({
            [Activities.snapshotManifest]: () => ({
                value: { runKey: '0a1b2c3d4e5f60718293a4b5c6d7e8f9', blobs: [manifest.blobs[0]] },
            }),
        }),
    },
};
