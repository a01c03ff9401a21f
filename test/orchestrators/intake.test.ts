import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    Activities,
    ManifestSnapshot,
    RetrainInput,
    SubmitJobResult,
    TargetPlan,
} from '../../src/orchestrators/contracts';
import { reasonOf } from '../../src/orchestrators/messageOf';
import { retrainOrchestrator } from '../../src/orchestrators/retrain';
import { Answer, fakePlan, FakeTask, runFake } from '../helpers/fakeOrchestration';

const plan: TargetPlan = fakePlan({
    quietPeriodInMs: 1_000,
    maxWaitInMs: 10_000,
    verify: { attempts: 1, intervalInMs: 1_000 },
});
const good = { name: 'churn/good.csv', etag: '"1"', contentLength: 10, contentHash: 'aa', rows: 20, blankRows: 2 };
const refusedReason =
    "'churn/bad.csv' cannot train: line 5, column 'monthly_charges': empty value; line 9, column 'support_calls': 'NaN' is not a number";
const bad = { name: 'churn/bad.csv', reason: refusedReason, etag: '"2"' };

/** Answers each activity from `answers` (the snapshot twice: the run's, then the follow-up look). */
function answering(answers: Partial<Record<string, (n: number) => Answer>>) {
    const counts: Record<string, number> = {};
    return (task: FakeTask): Answer => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind === 'any') return { value: task.tasks.find((t) => t.kind === 'timer') };
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        counts[task.name] = (counts[task.name] ?? 0) + 1;
        const answer = answers[task.name];
        if (!answer) throw new Error(`unexpected activity ${task.name}`);
        return answer(counts[task.name]);
    };
}

const blobInput = (blobName: string): RetrainInput => ({ target: 'churn', trigger: { kind: 'blob', blobName } });

describe('retrain orchestrator and the intake pass', () => {
    it('a refused upload ends its run Skipped, its reason (file, line, column) first; no job, nothing failed', () => {
        const manifest: ManifestSnapshot = { runKey: 'k1', blobs: [good], previousRunId: 'r0', rejected: [bad] };
        const run = runFake(
            retrainOrchestrator,
            blobInput('churn/bad.csv'),
            answering({
                [Activities.loadPlan]: () => ({ value: plan }),
                [Activities.snapshotManifest]: () => ({ value: manifest }),
                [Activities.record]: () => ({ value: undefined }),
            }),
        );
        assert.equal(run.output.state, 'Skipped');
        assert.ok(run.output.reason!.startsWith(refusedReason), run.output.reason);
        assert.match(run.output.reason!, /Nothing else to train: the same data was already used by run r0/);
        assert.doesNotMatch(run.output.reason!, /\n/);
        assert.ok(!run.calls.some((c) => c.name === Activities.submitJob));
    });

    it('with only refused files: Skipped, naming the refused file', () => {
        const manifest: ManifestSnapshot = { runKey: 'k0', blobs: [], rejected: [bad] };
        const run = runFake(
            retrainOrchestrator,
            blobInput('churn/bad.csv'),
            answering({
                [Activities.loadPlan]: () => ({ value: plan }),
                [Activities.snapshotManifest]: () => ({ value: manifest }),
                [Activities.record]: () => ({ value: undefined }),
            }),
        );
        assert.equal(run.output.state, 'Skipped');
        assert.match(run.output.reason!, /^'churn\/bad\.csv' cannot train: line 5/);
    });

    it('a data refusal at the merge (e.g. a header mismatch) ends the run Failed at once: one submit call, no retry', () => {
        const refused: SubmitJobResult = {
            refused: {
                error: 'HeaderMismatchError',
                reason: "Data file 'churn/b.csv' cannot be merged: the header lacks column(s) 'churned'.",
                detail: 'more',
            },
        };
        const run = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/b.csv'] } },
            answering({
                [Activities.loadPlan]: () => ({ value: plan }),
                [Activities.snapshotManifest]: () => ({ value: { runKey: 'k2', blobs: [good] } }),
                [Activities.submitJob]: () => ({ value: refused }),
                [Activities.record]: () => ({ value: undefined }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.equal(run.output.reason, refused.refused.reason);
        assert.equal(run.output.reasonDetail, 'more');
        assert.equal(run.calls.filter((c) => c.name === Activities.submitJob).length, 1);
        assert.ok(!run.calls.some((c) => c.name === Activities.getJobStatus));
    });

    it('a failed step is recorded with a one-line reason; the rest, without stack frames or paths, apart', () => {
        const err = new Error(
            "Activity function 'retrain-submit-job' failed: boom at /home/me/app/dist/src/x.js\n" +
                '    at submitJob (/home/me/app/dist/src/activities/submitJob.js:10:5)\n' +
                'Caused by: storage said no (C:\\Users\\me\\data\\file.csv)',
        );
        const run = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'http' } },
            answering({
                [Activities.loadPlan]: () => ({ value: plan }),
                [Activities.snapshotManifest]: (n) =>
                    n === 1 ? { value: { runKey: 'k3', blobs: [good] } } : { error: err },
                [Activities.submitJob]: () => ({ error: err }),
                [Activities.record]: () => ({ value: undefined }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.equal(
            run.output.reason,
            "Step 'submitting' failed: Activity function 'retrain-submit-job' failed: boom at x.js",
        );
        assert.equal(run.output.reasonDetail, 'Caused by: storage said no (file.csv)');
        assert.doesNotMatch(JSON.stringify(run.output), /\/home\/me|C:\\\\Users|submitJob\.js:10/);
    });

    it('an error with an empty message still gives a reason', () => {
        assert.deepEqual(reasonOf(new Error('')), { reason: 'an unexplained error' });
        class QuietError extends Error {
            override name = 'QuietError';
        }
        assert.deepEqual(reasonOf(new QuietError('')), { reason: 'QuietError' });
    });
});
