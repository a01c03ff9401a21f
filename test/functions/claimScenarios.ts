import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
    DUPLICATE_ACTIVITY,
    duplicateEvidence,
    RESENT_AFTER_ABORTED_COMMIT,
} from '../../src/local/host/semantics/activities';
import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import { Activities, RunRecord } from '../../src/orchestrators/contracts';
import { bindChurnModel } from '../helpers/classicModel';
import { eventually } from '../helpers/environment';
import { duplicatedActivitySettings } from '../helpers/semanticsSettings';
import { churnTarget, classicEndpointOf, housesTarget, NEVER_PASSING_SMOKE_TEST } from '../helpers/demoTargets';
import { jobsOfRun, runsOf, stepOf, studioJobs } from '../reliability/kit';
import { AppUnderTest, startApp } from './appHost';

export interface ClaimScenarioOptions {
    profile: 'azure' | 'default';
    seed: number;
    /** How many runs, cycling through churn (classic PATCH), strict (PATCH then rollback) and houses (ARM PUT). */
    runs: number;
}

type Target = 'churn' | 'strict' | 'houses';

/** The side-effecting activities every duplicate must be shown on. */
const SIDE_EFFECTS = [Activities.submitJob, Activities.promote, Activities.rollback];

/** One line per run record: what a failed count needs to be diagnosed (id, state, trigger, reason, files). */
function describeRecords(records: readonly RunRecord[]): string {
    return records
        .map((r) => {
            const files = r.manifest?.blobs.map((b) => `${b.name}@${b.etag}`).join(' ') ?? 'no manifest';
            return `\n  ${r.runId} ${r.state} trigger=${JSON.stringify(r.trigger)} reason=${JSON.stringify(r.reason ?? '')} files=[${files}] timings=${JSON.stringify(r.timings)}`;
        })
        .join('');
}

/**
 * Upload-triggered runs, one after the other on each endpoint, through the dev host, the studio and Azurite, under
 * the given semantics profile. Under `azure` every work item of submit, promote, rollback and
 * record (and a fifth of the others) runs as two copies at once, and 30% of the commits that send
 * activity work are aborted and their work re-sent. For every run the studio must count
 * exactly one BES job started (none left unstarted), one promote update if it promoted, one
 * promote and one rollback update if it rolled back, none otherwise; every run leaves exactly one
 * run record. Under `azure` the fault log must show the duplicates of submit, promote and rollback
 * and that each pair overlapped.
 */
export function claimScenarios(o: ClaimScenarioOptions): void {
    describe(`claims: one BES job, at most one update per run (${o.profile} profile, seed ${o.seed})`, () => {
        let app: AppUnderTest;
        let studioState: string;
        before(async () => {
            studioState = mkdtempSync(path.join(tmpdir(), 'studio-claims-'));
            app = await startApp(
                (w) => [
                    churnTarget(w),
                    // Its own classic endpoint, but its golden rows never pass: every promotion rolls back.
                    churnTarget(w, {
                        name: 'strict',
                        data: { ...(churnTarget(w).data as object), prefixPattern: 'strict/*.csv' },
                        smokeTest: NEVER_PASSING_SMOKE_TEST,
                    }),
                    housesTarget(w),
                ],
                // Every side-effecting activity (and the run record) twice at once; the rest at random.
                duplicatedActivitySettings(o.seed, [...SIDE_EFFECTS, Activities.record]),
                { host: { semantics: o.profile }, studioStateDir: studioState },
            );
            // A model on strict's endpoint from the start (put there outside Retrainer), so each of
            // its runs has one to roll back to.
            const text = await toText(classificationCsv({ rows: 1000, seed: o.seed * 100 + 99 }));
            await bindChurnModel(app.studio.url, app.scope.connectionString, classicEndpointOf('strict'), text);
        });
        after(() => app?.stop());

        it(`${o.runs} upload-triggered runs: each exactly 1 BES job started, at most 1 promote and 1 rollback update, 1 record`, async (t) => {
            const origin = app.host.origin;
            const key = app.host.keys.functionDefault;
            const submitsBefore = app.studio.stats().operations.submitJob ?? 0;
            const uploads: Record<string, number> = { churn: 0, strict: 0, houses: 0 };
            const seen: RunRecord[] = [];
            /** For a failed assertion: the target's run records and its lines of the host log. */
            const explain = (target: string, records: readonly RunRecord[]): string =>
                `; records (newest first):${describeRecords(records)}\nhost log lines naming '${target}':\n${app.logs
                    .filter((l) => l.includes(target))
                    .slice(-120)
                    .join('\n')}`;

            /** One run at a time per update operation (the studio counts it across endpoints), so its count is exact per run. */
            const lane = async (targets: readonly Target[], runs: number, update: string) => {
                for (let n = 0; n < runs; n++) {
                    const target = targets[n % targets.length];
                    const dataSeed =
                        o.seed * 100 + ['churn', 'strict', 'houses'].indexOf(target) * 30 + uploads[target];
                    const ops = app.studio.stats().operations;
                    const text =
                        target === 'houses'
                            ? await toText(regressionCsv({ rows: 1500, seed: dataSeed }))
                            : await toText(classificationCsv({ rows: 1000, seed: dataSeed }));
                    const blob = `${target}/part-${String(uploads[target]).padStart(2, '0')}.csv`;
                    uploads[target] += 1;
                    const expectedRecords = uploads[target];
                    await app.data.getBlockBlobClient(blob).upload(text, Buffer.byteLength(text));
                    const records = await eventually(
                        async () => {
                            const now = await runsOf(origin, key, target);
                            if (now.length < expectedRecords) return undefined;
                            // The next upload must not land while this run is still live (it would join it).
                            return (await stepOf(origin, key, target)) === undefined ? now : undefined;
                        },
                        () => `run ${n} of ${target}: it did not happen; host log:\n${app.logs.slice(-40).join('\n')}`,
                        // Bounds a hang only, on a loaded machine: a run takes seconds.
                        300_000,
                        100,
                    );
                    const run = records[0];
                    seen.push(run);
                    // Progress as it happens: a file the runner times out reports nothing else.
                    console.log(`claims ${o.profile}/${o.seed}: ${target} run ${n} ${run.state} (${run.runId})`);
                    const now = app.studio.stats().operations;
                    const delta = (op: string): number => (now[op] ?? 0) - (ops[op] ?? 0);
                    const where = `${target} run ${n} (${run.runId}, ${run.state}: ${run.reason ?? ''})`;

                    // strict's golden rows never pass; the others end as their gate's verdict says.
                    const expected =
                        target === 'strict' ? 'RolledBack' : run.verdict?.passed === true ? 'Promoted' : 'Rejected';
                    assert.equal(run.state, expected, `${where}${explain(target, records)}`);
                    if (target === 'strict')
                        assert.equal(run.verdict?.passed, true, `${where}: judged before rollback`);
                    assert.equal(records.length, expectedRecords, `${where}: records${explain(target, records)}`);
                    assert.ok(
                        run.manifest?.blobs.some((b) => b.name === blob),
                        `${where} holds ${blob}`,
                    );

                    const jobs = jobsOfRun(studioState, target, run.runId);
                    const started = jobs.filter((j) => j.status !== 'NotStarted');
                    assert.equal(started.length, 1, `${where}: BES jobs started`);
                    assert.equal(jobs.length - started.length, run.job?.unstartedSubmits ?? 0, `${where}: unstarted`);

                    const updates = run.state === 'Promoted' ? 1 : run.state === 'RolledBack' ? 2 : 0;
                    assert.equal(delta(update), updates, `${where}: endpoint updates (promote + rollback)`);
                }
            };
            const classicRuns = Math.ceil(o.runs * 0.6);
            // The classic endpoints (churn promotes, strict promotes then rolls back) are updated by
            // one operation and the ARM web service by another: their lanes run side by side.
            await Promise.all([
                lane(['churn', 'strict'], classicRuns, 'patchEndpoint'),
                lane(['houses'], o.runs - classicRuns, 'armPut'),
            ]);

            for (const target of ['churn', 'strict', 'houses']) {
                const records = await runsOf(origin, key, target);
                assert.equal(
                    records.length,
                    uploads[target],
                    `${target}: one record per upload, none lost${explain(target, records)}`,
                );
                assert.equal(new Set(records.map((r) => r.runId)).size, records.length, `${target}: none duplicated`);
            }
            assert.equal(new Set(seen.map((r) => r.runId)).size, o.runs);
            // Every BES job the studio holds belongs to a recorded run: no job submitted outside one.
            const unstarted = seen.reduce((sum, r) => sum + (r.job?.unstartedSubmits ?? 0), 0);
            assert.equal((app.studio.stats().operations.submitJob ?? 0) - submitsBefore, o.runs + unstarted);
            assert.equal(studioJobs(studioState).length, o.runs + unstarted);

            const faults = app.host.semantics.faults;
            const states: Record<string, number> = {};
            for (const r of seen) states[r.state] = (states[r.state] ?? 0) + 1;
            // Figures for docs/reliability.md: what ran and what was injected.
            t.diagnostic(
                `runs by state ${JSON.stringify(states)}; BES submits ${o.runs + unstarted}; faults ${JSON.stringify(faults.counts())}`,
            );
            if (o.profile === 'default') {
                assert.deepEqual(faults.counts(), {}, 'the default profile injects nothing');
                return;
            }
            const duplicates = faults.all().filter((f) => f.kind === DUPLICATE_ACTIVITY);
            const pairs: Record<string, number> = {};
            for (const activity of SIDE_EFFECTS) {
                const mine = duplicates.filter((f) => f.subject.includes(`/${activity}#`));
                assert.ok(mine.length > 0, `${activity} ran as two copies at once`);
                pairs[activity] = mine.length;
            }
            t.diagnostic(`overlapping pairs of side-effecting activities ${JSON.stringify(pairs)}`);
            for (const f of duplicates) {
                const e = duplicateEvidence(f.detail);
                assert.ok(e.overlapped && Math.max(...e.startedAtInMs) < e.firstFinishedAtInMs, f.detail);
            }
            assert.ok((faults.counts()[RESENT_AFTER_ABORTED_COMMIT] ?? 0) > 0, 'some commits were aborted');
        });
    });
}
