import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
    Activities,
    ManifestSnapshot,
    RetrainInput,
    RunRecord,
    SubmittedJob,
    TargetPlan,
    Verdict,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator, runIdFor } from '../../src/orchestrators/retrain';
import {
    ActivityHandler,
    Answer,
    fakeChampion,
    fakeJob,
    fakeManifest,
    fakePlan,
    passingRun,
    runFake,
    timersOnly,
} from '../helpers/fakeOrchestration';
import { RecordedHistory, replayHistory, replayPrefix } from '../helpers/replay';

const plan: TargetPlan = fakePlan();
const manifest: ManifestSnapshot = fakeManifest;
const job: SubmittedJob = fakeJob;
const champion = fakeChampion;
const passed: Verdict = { passed: true, reasons: ['AUC 0.91 >= 0.7'], metrics: { AUC: 0.91 }, comparedTo: champion };

type Script = Partial<Record<string, ActivityHandler>>;
const defaults: Script = passingRun({ plan, verdict: passed, before: champion.model });

/** Answers activities from the script (counting calls per name), else as a passing run; timers fire; events never come. */
const scripted = (script: Script) => timersOnly(script, defaults);

const httpInput: RetrainInput = { target: 'churn', trigger: { kind: 'http' } };
const names = (calls: { name: string }[]) => calls.map((c) => c.name);

describe('retrain orchestrator', () => {
    it('runs submit -> poll -> evaluate -> promote -> verify -> record and ends Promoted', () => {
        const run = runFake(retrainOrchestrator, httpInput, scripted({}));
        assert.equal(run.output.state, 'Promoted');
        assert.deepEqual(names(run.calls), [
            Activities.loadPlan,
            Activities.snapshotManifest,
            Activities.submitJob,
            Activities.getJobStatus,
            Activities.getJobStatus,
            Activities.getJobStatus,
            Activities.evaluate,
            Activities.promote,
            Activities.verify,
            Activities.record,
            Activities.snapshotManifest,
        ]);
        assert.equal(run.continuedAsNew, undefined, 'the data did not change during the run: it ends');
        const recorded = run.calls.find((c) => c.name === Activities.record)!.input as RunRecord;
        assert.equal(recorded.state, 'Promoted');
        assert.equal(recorded.runId, runIdFor(new Date('2026-01-01T00:00:00Z'), manifest.runKey));
        assert.deepEqual(recorded.promotion, { before: champion.model, after: job.modelOutput });
        const promote = run.calls.find((c) => c.name === Activities.promote)!.input as {
            expectedChampionRunId: string;
        };
        assert.equal(promote.expectedChampionRunId, 'old-run', 'promotes only over the champion it compared against');
    });

    it('polls on durable timers with exponential backoff capped at the max interval', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.getJobStatus]: (_i, n) => ({ value: { state: n < 6 ? 'Running' : 'Finished' } }) }),
        );
        const gaps = run.timers.map(
            (t, i) => t.getTime() - (i === 0 ? Date.parse('2026-01-01T00:00:00Z') : run.timers[i - 1].getTime()),
        );
        assert.deepEqual(gaps, [5_000, 10_000, 20_000, 40_000, 60_000]);
    });

    it('rejects a model that fails the gate without touching the endpoint', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.evaluate]: () => ({
                    value: { ...passed, passed: false, reasons: ['AUC 0.55 < required 0.7'] },
                }),
            }),
        );
        assert.equal(run.output.state, 'Rejected');
        assert.match(run.output.reason!, /AUC 0.55/);
        assert.ok(!names(run.calls).includes(Activities.promote));
    });

    it('records Failed with the service reason when the job fails', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.getJobStatus]: () => ({
                    value: { state: 'Failed', details: "Column 'churned' not found" },
                }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /Column 'churned' not found/);
        assert.ok(!names(run.calls).includes(Activities.evaluate));
    });

    it('cancels the job and fails when it outlives the deadline', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.getJobStatus]: () => ({ value: { state: 'Running' } }) }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /Deadline of 600000 ms exceeded/);
        assert.equal(names(run.calls).filter((n) => n === Activities.cancelJob).length, 1);
        assert.ok(run.now.getTime() - Date.parse('2026-01-01T00:00:00Z') >= plan.jobDeadlineInMs);
    });

    it('rolls back when every verification fails, and when verification itself throws', () => {
        for (const verify of [
            () => ({ value: { passed: false, reasons: ['golden row 1 scored 0, expected 1'] } }),
            () => ({ error: new Error('scoring endpoint unreachable') }),
        ] as const) {
            const run = runFake(retrainOrchestrator, httpInput, scripted({ [Activities.verify]: verify }));
            assert.equal(run.output.state, 'RolledBack');
            assert.equal(names(run.calls).filter((n) => n === Activities.verify).length, 3, 'plan.verify.attempts');
            assert.equal(names(run.calls).filter((n) => n === Activities.rollback).length, 1);
            assert.equal(run.output.verification!.attempts, 3);
        }
    });

    it('checks a promotion again on a durable timer before rolling back, and keeps a model that shows up late', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.verify]: (_i, n) =>
                    n < 3
                        ? { value: { passed: false, reasons: ['golden row 1 scored 0, expected 1'] } }
                        : { value: { passed: true, reasons: ['golden rows match'] } },
            }),
        );
        assert.equal(run.output.state, 'Promoted');
        assert.ok(!names(run.calls).includes(Activities.rollback));
        assert.deepEqual(run.output.verification, { passed: true, reasons: ['golden rows match'], attempts: 3 });
        // Three job polls (5 s, 10 s), then two 15 s waits between the three checks.
        const verifying = Date.parse(run.output.timings.verifying);
        assert.deepEqual(
            run.timers.slice(-2).map((t) => t.getTime() - verifying),
            [15_000, 30_000],
        );
    });

    it('verifies once, as before, when the plan was recorded without verify settings', () => {
        const { verify: _omitted, ...oldPlan } = plan;
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.loadPlan]: () => ({ value: oldPlan }),
                [Activities.verify]: () => ({ value: { passed: false, reasons: ['golden row 0 mismatch'] } }),
            }),
        );
        assert.equal(run.output.state, 'RolledBack');
        assert.equal(names(run.calls).filter((n) => n === Activities.verify).length, 1);
        assert.deepEqual(run.output.verification, { passed: false, reasons: ['golden row 0 mismatch'] });
    });

    it('records Failed, naming both problems, when the rollback fails too', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.verify]: () => ({ value: { passed: false, reasons: ['golden row 0 mismatch'] } }),
                [Activities.rollback]: () => ({ error: new Error('nothing to restore') }),
            }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /golden row 0 mismatch.*nothing to restore/);
        assert.equal(run.output.rollbackFailed, true, 'the endpoint may serve the unverified model');
        assert.equal(names(run.calls).filter((n) => n === Activities.record).length, 1, 'the run is still recorded');
    });

    it("keeps the engine's failure details out of a verification that could not run", () => {
        const details = JSON.stringify({
            Message: 'scoring endpoint unreachable',
            StackTrace: 'Error\n    at verify (/home/me/app/dist/src/x.js:1:1)',
        });
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.verify]: () => ({
                    error: new Error(
                        `Activity function 'retrain-verify' failed: scoring endpoint unreachable \n ${details}`,
                    ),
                }),
            }),
        );
        assert.equal(run.output.state, 'RolledBack');
        assert.deepEqual(run.output.verification?.reasons, [
            "Verification could not run: Activity function 'retrain-verify' failed: scoring endpoint unreachable",
        ]);
        assert.doesNotMatch(JSON.stringify(run.output), /StackTrace|\/home\/me/);
    });

    it('records Failed without rollback when promotion itself fails', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.promote]: () => ({ error: new Error('champion changed since evaluation') }) }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.match(run.output.reason!, /champion changed/);
        assert.ok(!names(run.calls).includes(Activities.rollback));
    });

    it("keeps the engine's failure details (a stack trace with paths) out of a failed promotion's record", () => {
        // What the durable SDK makes of a failed activity: its message, then the engine's details.
        const message =
            "classic updateTrainedModel failed: 400 BadArgument (InvalidBlob) The model 'http://127.0.0.1:46307/devstoreaccount1/models/churn/r1/model.ilearner' could not be read";
        const details = JSON.stringify({
            Message: message,
            StackTrace: `MlServiceError: ${message}\n    at ClientPipeline.send (/home/me/app/dist/src/clients/clientPipeline.js:92:15)`,
        });
        const failed = new Error(`Activity function 'retrain-promote' failed: ${message} \n ${details}`);
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.promote]: () => ({ error: failed }) }),
        );
        assert.equal(run.output.state, 'Failed');
        assert.equal(run.output.reason, `Promotion failed: Activity function 'retrain-promote' failed: ${message}`);
        assert.equal(run.output.reasonDetail, undefined);
        assert.doesNotMatch(JSON.stringify(run.output), /StackTrace|\/home\/me|clientPipeline/);
    });

    it('skips data that an earlier run already used, and empty data', () => {
        const dup = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: () => ({ value: { ...manifest, previousRunId: 'r0' } }) }),
        );
        assert.equal(dup.output.state, 'Skipped');
        assert.match(dup.output.reason!, /already used by run r0/);
        assert.ok(!names(dup.calls).includes(Activities.submitJob));
        const empty = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: () => ({ value: { runKey: 'x', blobs: [] } }) }),
        );
        assert.equal(empty.output.state, 'Skipped');
    });

    it('re-judges already-used data when the HTTP start says force, recording it as forced', () => {
        const again = { ...manifest, previousRunId: 'r0' };
        const forced = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'http', force: true } },
            scripted({ [Activities.snapshotManifest]: () => ({ value: again }) }),
        );
        assert.equal(forced.output.state, 'Promoted');
        assert.equal(forced.output.forced, true);
        assert.ok(names(forced.calls).includes(Activities.submitJob));
        // Force on new data changes nothing: the run is not marked forced.
        const fresh = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'http', force: true } },
            scripted({}),
        );
        assert.equal(fresh.output.state, 'Promoted');
        assert.equal(fresh.output.forced, undefined);
    });

    it('names the files the data policy left out when nothing is left to train', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.snapshotManifest]: () => ({
                    value: {
                        runKey: 'x',
                        blobs: [],
                        leftOut: [
                            { name: 'churn/a.csv', etag: '1', why: 'excluded', reason: 'excluded by ana at t' },
                            { name: 'churn/b.csv', etag: '2', why: 'quarantined', reason: 'quarantined', runId: 'r1' },
                        ],
                    },
                }),
            }),
        );
        assert.equal(run.output.state, 'Skipped');
        assert.match(
            run.output.reason!,
            /^No training data found for the target\. \(left out by the data policy: 1 excluded, 1 quarantined; `retrainer data list` shows them\)$/,
        );
    });

    it('debounces arrivals: each event restarts the quiet period, the max wait caps it', () => {
        const t0 = Date.parse('2026-01-01T00:00:00Z');
        let events = 0;
        const answer = scripted({});
        const run = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'blob', blobName: 'a.csv' } },
            (task, now) => {
                if (task.kind === 'any') {
                    // A file arrives every 20 s (inside the 30 s quiet period) forever.
                    events += 1;
                    const event = task.tasks.find((t) => t.kind === 'event');
                    return { value: event, at: new Date(now.getTime() + 20_000) };
                }
                return answer(task);
            },
        );
        assert.equal(run.output.state, 'Promoted');
        // Arrivals at 20, 40, ... 120 s: the 6th reaches the 120 s max wait and the run starts.
        assert.equal(events, 6);
        assert.equal(run.output.timings.collecting, new Date(t0 + 120_000).toISOString());
        assert.equal(run.canceledTimers, 6, 'every superseded quiet-period timer is cancelled');
    });

    it('shows the current step in custom status throughout', () => {
        const run = runFake(retrainOrchestrator, httpInput, scripted({}));
        const steps = run.statuses.map((s) => (s as { step: string }).step);
        assert.deepEqual(steps, [
            'collecting',
            'submitting',
            'training',
            'evaluating',
            'promoting',
            'verifying',
            'recording',
            'done',
            'checking-for-new-data',
            'done',
        ]);
        assert.deepEqual(run.statuses.at(-1), run.statuses.at(-3), 'it ends on the status the run was recorded with');
    });
});

/** Files that land while a run is past debouncing: their events reach nobody, so the run looks again. */
describe('retrain orchestrator after recording a run', () => {
    const late = { name: 'churn/late.csv', etag: '"9"', contentLength: 20 };
    const withLate: ManifestSnapshot = { runKey: 'fedcba9876543210', blobs: [...manifest.blobs, late] };

    it('continues as new, blob-triggered, when a file arrived during the run', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? manifest : withLate }) }),
        );
        assert.equal(run.output.state, 'Promoted');
        assert.deepEqual(names(run.calls).slice(-2), [Activities.record, Activities.snapshotManifest]);
        assert.deepEqual(run.continuedAsNew, { target: 'churn', trigger: { kind: 'blob', blobName: late.name } });
    });

    it('continues after any final state that had data: Failed, Rejected, Skipped, RolledBack', () => {
        const finals: [string, Script][] = [
            ['Failed', { [Activities.getJobStatus]: () => ({ value: { state: 'Failed', details: 'x' } }) }],
            ['Rejected', { [Activities.evaluate]: () => ({ value: { ...passed, passed: false, reasons: ['low'] } }) }],
            ['RolledBack', { [Activities.verify]: () => ({ value: { passed: false, reasons: ['old model'] } }) }],
            ['Skipped', {}],
        ];
        for (const [state, script] of finals) {
            const first = state === 'Skipped' ? { ...manifest, previousRunId: 'r0' } : manifest;
            const run = runFake(
                retrainOrchestrator,
                httpInput,
                scripted({
                    ...script,
                    [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? first : withLate }),
                }),
            );
            assert.equal(run.output.state, state);
            assert.deepEqual(run.continuedAsNew, { target: 'churn', trigger: { kind: 'blob', blobName: late.name } });
        }
    });

    it('ends when files were only deleted, or re-uploaded with the same bytes', () => {
        const md5 = { ...manifest, blobs: [{ ...manifest.blobs[0], contentMd5: 'q1w2==' }] };
        for (const [before, after] of [
            [withLate, manifest],
            // A re-upload gets a new ETag; the MD5 says it is the same file (and the run key would agree).
            [md5, { ...md5, runKey: 'other-key', blobs: [{ ...md5.blobs[0], etag: '"2"' }] }],
        ] as const) {
            const run = runFake(
                retrainOrchestrator,
                httpInput,
                scripted({ [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? before : after }) }),
            );
            assert.equal(run.output.state, 'Promoted');
            assert.equal(run.continuedAsNew, undefined);
        }
    });

    it('a file that only slid into the window is no arrival: after a quarantining rejection, a deletion, an exclusion', () => {
        const a = { name: 'churn/a.csv', etag: '"1"', contentLength: 10, contentHash: 'aa' };
        const b = { name: 'churn/b.csv', etag: '"2"', contentLength: 10, contentHash: 'bb' };
        const c = { name: 'churn/c.csv', etag: '"3"', contentLength: 10, contentHash: 'cc' };
        const window = (f: typeof a) => ({ name: f.name, etag: f.etag, why: 'window' as const, reason: 'outside' });
        // The run trained the newest file; the window (lastFiles 1) left the older ones out.
        const used: ManifestSnapshot = { runKey: 'k-c', blobs: [c], leftOut: [window(b), window(a)] };
        const afters: [string, ManifestSnapshot][] = [
            [
                'its own rejection quarantined c',
                {
                    runKey: 'k-b',
                    blobs: [b],
                    leftOut: [{ ...window(c), why: 'quarantined', runId: 'r1' }, window(a)],
                },
            ],
            ['c was deleted', { runKey: 'k-b', blobs: [b], leftOut: [window(a)] }],
            ['c was excluded', { runKey: 'k-b', blobs: [b], leftOut: [{ ...window(c), why: 'excluded' }, window(a)] }],
        ];
        for (const [what, after] of afters) {
            const run = runFake(
                retrainOrchestrator,
                httpInput,
                scripted({
                    [Activities.evaluate]: () => ({ value: { ...passed, passed: false, reasons: ['low'] } }),
                    [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? used : after }),
                }),
            );
            assert.equal(run.output.state, 'Rejected');
            assert.equal(run.continuedAsNew, undefined, `${what}: b was listed by the run, so no run for it`);
        }
        // A real upload during the run still starts one, named after the upload, not the slid file.
        const d = { name: 'churn/d.csv', etag: '"4"', contentLength: 10, contentHash: 'dd' };
        const withUpload: ManifestSnapshot = { runKey: 'k-bd', blobs: [b, d], leftOut: [window(a)] };
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: (_i, n) => ({ value: n === 1 ? used : withUpload }) }),
        );
        assert.deepEqual(run.continuedAsNew, { target: 'churn', trigger: { kind: 'blob', blobName: d.name } });
        // A new version of a file the run left out is new data too.
        const b2 = { ...b, etag: '"5"', contentHash: 'b2' };
        const rewritten = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.snapshotManifest]: (_i, n) => ({
                    value: n === 1 ? used : { runKey: 'k-b2', blobs: [b2], leftOut: [window(c), window(a)] },
                }),
            }),
        );
        assert.deepEqual(rewritten.continuedAsNew, { target: 'churn', trigger: { kind: 'blob', blobName: b.name } });
    });

    it('does not look again when the HTTP call named its files, or when no data was ever listed', () => {
        const named = runFake(
            retrainOrchestrator,
            { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/a.csv'] } },
            scripted({}),
        );
        assert.equal(names(named.calls).filter((n) => n === Activities.snapshotManifest).length, 1);
        assert.equal(named.continuedAsNew, undefined);
        const unlisted = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({ [Activities.snapshotManifest]: () => ({ error: new Error('storage unreachable') }) }),
        );
        assert.equal(unlisted.output.state, 'Failed');
        assert.equal(names(unlisted.calls).filter((n) => n === Activities.snapshotManifest).length, 1);
    });

    it('ends with the run recorded when the fresh look itself fails', () => {
        const run = runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.snapshotManifest]: (_i, n) =>
                    n === 1 ? { value: manifest } : { error: new Error('storage unreachable') },
            }),
        );
        assert.equal(run.output.state, 'Promoted');
        assert.equal(run.continuedAsNew, undefined);
        assert.equal(names(run.calls).filter((n) => n === Activities.record).length, 1);
    });

    it('over executions: a file landing mid-run gets its own run, then the same data ends Skipped and stops', () => {
        // A tiny store of run keys, as the runs container keeps them; data changes once, mid-run.
        const usedKeys = new Map<string, string>();
        let data = manifest;
        let input: unknown = { target: 'churn', trigger: { kind: 'blob', blobName: 'churn/a.csv' } };
        const outcomes: string[] = [];
        for (let execution = 0; execution < 5 && input; execution++) {
            const run = runFake(
                retrainOrchestrator,
                input,
                scripted({
                    [Activities.snapshotManifest]: () => {
                        const previousRunId = usedKeys.get(data.runKey);
                        return { value: previousRunId ? { ...data, previousRunId } : data };
                    },
                    [Activities.getJobStatus]: (_i, n) => {
                        if (execution === 0 && n === 1) data = withLate; // lands while the first job trains
                        return { value: { state: n < 2 ? 'Running' : 'Finished' } };
                    },
                    [Activities.record]: (r) => {
                        const rec = r as RunRecord;
                        usedKeys.set(rec.manifest!.runKey, rec.runId);
                        return { value: undefined };
                    },
                }),
            );
            outcomes.push(`${run.output.state}:${run.output.manifest!.blobs.length}`);
            input = run.continuedAsNew;
            // The same files uploaded again after everything settled: one more trigger.
            if (!input && execution === 1) input = { target: 'churn', trigger: { kind: 'blob', blobName: late.name } };
        }
        assert.deepEqual(outcomes, ['Promoted:1', 'Promoted:2', 'Skipped:2']);
    });
});

/** Histories captured from the orchestrator (test/orchestrators/histories): an in-flight instance
 * recorded by one version must replay identically under the next, or it would be corrupted. */
describe('retrain orchestrator replays recorded histories deterministically', () => {
    const dir = path.resolve(__dirname, '../../../test/orchestrators/histories');
    const load = (version: string, file: string) =>
        JSON.parse(readFileSync(path.join(dir, version, file), 'utf8')) as RecordedHistory;
    const v1 = readdirSync(path.join(dir, 'v1')).filter((f) => f.endsWith('.json'));
    const v2 = readdirSync(path.join(dir, 'v2')).filter((f) => f.endsWith('.json'));
    it('has histories to replay', () => {
        assert.ok(v1.length >= 5);
        assert.ok(v2.length >= 9);
    });

    // v1 ended at the record step; v2 then looks for data that arrived during the run. An instance
    // in flight across that deployment replays its v1 prefix unchanged, then schedules the new step.
    for (const file of v1) {
        it(`v1/${file}: the recorded prefix replays, then the fresh look for data follows`, () => {
            const history = load('v1', file);
            const input = history.input as RetrainInput;
            const { next } = replayPrefix(retrainOrchestrator, history);
            assert.deepEqual(next, {
                activity: Activities.snapshotManifest,
                input: { target: input.target, trigger: input.trigger },
            });
        });
    }

    it('v1 histories no longer replay to their end unchanged (the version did change)', () => {
        assert.throws(
            () => replayHistory(retrainOrchestrator, load('v1', 'rejected.json')),
            /step 10: the orchestrator scheduled .*retrain-snapshot-manifest.* beyond the recorded history/,
        );
    });

    for (const file of v2) {
        it(`v2/${file}`, () => {
            const history = load('v2', file);
            assert.deepEqual(replayHistory(retrainOrchestrator, history), history.output);
        });
    }

    it('detects a change that would break replay', () => {
        for (const [version, replay] of [
            ['v1', replayPrefix],
            ['v1', replayHistory],
            ['v2', replayHistory],
        ] as const) {
            const tampered = structuredClone(load(version, 'rejected.json'));
            (tampered.steps[2].scheduled as { activity: string }).activity = 'retrain-something-else';
            assert.throws(() => replay(retrainOrchestrator, tampered), /nondeterminism at step 2/, version);
        }
        const cut = structuredClone(load('v2', 'continued-as-new-after-late-file.json'));
        cut.continuedAsNew = { target: 'churn', trigger: { kind: 'blob', blobName: 'churn/other.csv' } };
        assert.throws(() => replayHistory(retrainOrchestrator, cut), /continueAsNew differs/);
    });

    it('records an activity that fails beyond its retries as a Failed run instead of crashing', () => {
        const history = load('v1', 'job-failed-after-transient-error.json');
        assert.equal((history.output as RunRecord).state, 'Failed');
        assert.match((history.output as RunRecord).reason!, /Column 'churned' not found/);
    });
});

/** Plans with `outbox`: arrivals are read from the target's outbox; raised events are only hints. */
describe('retrain orchestrator with an outbox', () => {
    const withOutbox: TargetPlan = { ...plan, outbox: true };
    const blobInput: RetrainInput = { target: 'churn', trigger: { kind: 'blob', blobName: 'churn/a.csv' } };
    const ops = (calls: { name: string; input: unknown }[]) =>
        calls.filter((c) => c.name === Activities.arrivals).map((c) => (c.input as { op: string }).op);
    /** An HTTP-started run on an outbox plan whose final look (op `close`) answers `close`; other ops find nothing. */
    const withFinalLook = (close: Answer) =>
        runFake(
            retrainOrchestrator,
            httpInput,
            scripted({
                [Activities.loadPlan]: () => ({ value: withOutbox }),
                [Activities.arrivals]: (i) =>
                    (i as { op: string }).op === 'close' ? close : { value: { pending: 0 } },
            }),
        );

    it('takes the outbox before listing storage and closes it at the final look', () => {
        const run = withFinalLook({ value: { pending: 0 } });
        assert.equal(run.output.state, 'Promoted');
        assert.equal(run.continuedAsNew, undefined);
        assert.deepEqual(ops(run.calls), ['take', 'close']);
        const order = names(run.calls);
        assert.ok(
            order.indexOf(Activities.arrivals) < order.indexOf(Activities.snapshotManifest),
            'take before listing',
        );
        const close = run.calls.filter((c) => c.name === Activities.arrivals).at(-1)!.input as Record<string, unknown>;
        assert.equal(close.runId, run.output.runId, 'closed in the name of the recorded run');
    });

    it('continues as new for a blob arrival written after its take, even when the listing looked unchanged', () => {
        const run = withFinalLook({
            value: { pending: 1, blobName: 'churn/late.csv', latestAt: '2026-01-01T00:10:00Z' },
        });
        assert.deepEqual(run.continuedAsNew, {
            target: 'churn',
            trigger: { kind: 'blob', blobName: 'churn/late.csv' },
        });
    });

    it('ends with the run recorded when the final look fails (the catch-up pass covers it)', () => {
        const run = withFinalLook({ error: new Error('storage down') });
        assert.equal(run.output.state, 'Promoted');
        assert.equal(run.continuedAsNew, undefined);
    });

    it('debounces on the outbox when the event was dropped: a newer arrival extends the quiet period', () => {
        const t0 = Date.parse('2026-01-01T00:00:00Z');
        let peeks = 0;
        const run = runFake(
            retrainOrchestrator,
            blobInput,
            scripted({
                [Activities.loadPlan]: () => ({ value: withOutbox }),
                [Activities.arrivals]: (i) => {
                    if ((i as { op: string }).op !== 'peek') return { value: { pending: 0 } };
                    peeks += 1;
                    // An arrival at 25 s whose event never came; later peeks see nothing newer.
                    return { value: { pending: 2, latestAt: new Date(t0 + 25_000).toISOString() } };
                },
            }),
            { start: new Date(t0) },
        );
        assert.equal(run.output.state, 'Promoted');
        assert.equal(peeks, 2, 'one peek extended the wait, the next found nothing newer');
        assert.equal(run.output.timings.collecting, new Date(t0 + 55_000).toISOString());
    });
});
