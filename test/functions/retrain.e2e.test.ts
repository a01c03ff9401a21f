import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { bindChurnModel } from '../helpers/classicModel';
import { churnTarget, classicEndpointOf, classicServiceIdOf, housesTarget, retrainedKey } from '../helpers/demoTargets';
import { eventually, triggerDone } from '../helpers/environment';
import { AppUnderTest, startApp } from './appHost';

/**
 * The deployed app, end to end: the dev host loads the built functions, the studio emulator plays
 * Azure ML, Azurite is the storage. Files dropped in the data container retrain and promote.
 */
describe('retraining app through the dev host + studio + Azurite', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [
            // A quiet period far above the blob trigger's lag, and a max wait that never cuts it
            // short: every upload of a burst reaches the run before it collects (checked below).
            churnTarget(w, { debounce: { quietPeriodInMs: 5000, maxWaitInMs: 120_000 } }),
            // Its own classic endpoint, but its golden rows can never pass: every promotion rolls back.
            churnTarget(w, {
                name: 'strict',
                data: { ...(churnTarget(w).data as object), prefixPattern: 'strict/*.csv' },
                smokeTest: {
                    rows: [
                        {
                            input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
                            expected: { 'Scored Labels': 'never' },
                        },
                    ],
                },
            }),
            housesTarget(w),
        ]);
    });
    after(() => app?.stop());

    const api = (p: string, init: RequestInit = {}, key: string | null = app.host.keys.functionDefault) =>
        fetch(`${app.host.origin}/api/${p}`, {
            ...init,
            headers: { ...(key ? { 'x-functions-key': key } : {}), ...(init.headers ?? {}) },
        });

    async function runs(target = 'churn'): Promise<RunRecord[]> {
        const res = await api(`runs?target=${target}`);
        assert.equal(res.status, 200);
        return (await res.json()) as RunRecord[];
    }

    /** Waits for the target's run count to reach `count` (newest first); the loop only bounds a hang. */
    async function waitForRuns(count: number, target = 'churn'): Promise<RunRecord[]> {
        return eventually(
            async () => {
                const r = await runs(target);
                return r.length >= count ? r : undefined;
            },
            () => {
                const recent = app.logs.filter((l) => !l.includes('runsHttp')).slice(-40);
                return `${count} run(s) of ${target}; host log:\n${recent.join('\n')}`;
            },
        );
    }

    const FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];
    const ROWS = [
        ['70', '25', '0', '24'],
        ['1', '115', '9', '1'],
    ];

    /** Scores ROWS on the classic endpoint of `target`: its status, and the rows it answered (none unless 200). */
    async function scoreReply(target = 'churn'): Promise<{ status: number; values: string[][]; body: unknown }> {
        const service = classicServiceIdOf(classicEndpointOf(target));
        const res = await fetch(
            `${app.studio.url}/workspaces/ws-demo/services/${service}/execute?api-version=2.0&details=true`,
            {
                method: 'POST',
                headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    Inputs: { input1: { ColumnNames: FEATURES, Values: ROWS } },
                    GlobalParameters: {},
                }),
            },
        );
        const body = (await res.json()) as { Results?: { output1: { value: { Values: string[][] } } } };
        return { status: res.status, values: res.status === 200 ? body.Results!.output1.value.Values : [], body };
    }

    async function score(target = 'churn'): Promise<string[][]> {
        const reply = await scoreReply(target);
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        return reply.values;
    }

    async function put(name: string, text: string): Promise<void> {
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    }

    const submitted = (): number => app.studio.stats().operations.submitJob ?? 0;
    let signal: string[];
    let championScores: string[][];

    it('retrains and promotes once for a burst of 20 files: record complete, scoring changes', async () => {
        const nothingYet = await scoreReply();
        assert.equal(nothingYet.status, 400, 'the retrained endpoint serves nothing yet');
        assert.match(JSON.stringify(nothingYet.body), /No trained model is bound to this web service yet/);
        signal = await Promise.all(
            Array.from({ length: 20 }, (_, s) => toText(classificationCsv({ rows: 300, seed: s + 1 }))),
        );
        const names = signal.map((_f, i) => `churn/part-${String(i).padStart(2, '0')}.csv`);
        await Promise.all(signal.map((f, i) => put(names[i], f)));
        for (const name of names)
            await eventually(
                async () => ((await triggerDone(app.scope, name)) ? true : undefined),
                `the trigger of ${name}`,
            );
        const inFlight = (await (await api('targets/churn')).json()) as { inFlight: { step: { step: string } } | null };
        assert.equal(inFlight.inFlight?.step.step, 'debouncing', 'every trigger ran while the run debounced');
        const [run] = await waitForRuns(1);
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.manifest!.blobs.length, 20, 'the whole burst went into one run');
        assert.equal(run.verification!.passed, true);
        assert.equal(run.promotion!.before, null);
        assert.ok(run.verdict!.metrics.auc > 0.7);
        for (const step of [
            'debouncing',
            'collecting',
            'submitting',
            'training',
            'evaluating',
            'promoting',
            'verifying',
            'recording',
        ]) {
            assert.ok(run.timings[step], `timing for ${step}`);
        }
        championScores = await score();
        assert.equal(championScores[1][4], '1', 'the new model answers');
        const target = (await (await api('targets/churn')).json()) as {
            champion: { runId: string; lineage: string[] };
        };
        assert.equal(target.champion.runId, run.runId);
        assert.deepEqual(target.champion.lineage, [run.runId]);
        assert.ok(await app.runsContainer.getBlobClient(`runs/churn/${run.runId}.json`).exists());
        assert.equal(submitted(), 1, 'one BES job for the burst');
        await app.settled();
        assert.equal((await runs()).length, 1, 'late trigger events started nothing more');
    });

    it('the same file uploaded again starts no training', async () => {
        await put('churn/part-00.csv', signal[0]);
        const [latest] = await waitForRuns(2);
        assert.equal(latest.state, 'Skipped');
        assert.match(latest.reason!, /already used by run/);
        assert.equal(submitted(), 1);
    });

    it('rejects a worse model and leaves the endpoint serving the champion', async () => {
        await put(
            'churn/zz-noise.csv',
            await toText(classificationCsv({ rows: 40_000, seed: 99, shuffleLabels: true })),
        );
        const [latest] = await waitForRuns(3);
        assert.equal(latest.state, 'Rejected', latest.reason);
        assert.match(latest.reason!, /AUC/);
        assert.deepEqual(await score(), championScores);
        await app.data.deleteBlob('churn/zz-noise.csv');
    });

    it('records a failing BES job as Failed with the service’s reason, endpoint unchanged', async () => {
        app.studio.faults.set('churn-training', { jobFailure: 'Simulated module failure' });
        try {
            await put('churn/extra.csv', await toText(classificationCsv({ rows: 300, seed: 77 })));
            const [latest] = await waitForRuns(4);
            assert.equal(latest.state, 'Failed');
            assert.match(latest.reason!, /Simulated module failure/);
        } finally {
            app.studio.faults.clear('churn-training');
        }
        assert.deepEqual(await score(), championScores);
    });

    it('rolls back when verification fails', async () => {
        // `strict` has its own endpoint (the config refuses two targets on one): a model put there
        // outside Retrainer is what it serves before the run, and must serve again after.
        await bindChurnModel(app.studio.url, app.scope.connectionString, classicEndpointOf('strict'), signal[2]);
        const served = await score('strict');
        await put('strict/a.csv', signal[1]);
        const [run] = await waitForRuns(1, 'strict');
        assert.equal(run.state, 'RolledBack', run.reason);
        assert.match(run.reason!, /never/);
        assert.match(run.promotion!.before?.relativeLocation ?? '', /^external-models\//, 'it knew what to restore');
        assert.deepEqual(await score('strict'), served, 'the previous model serves again');
        assert.deepEqual(await score(), championScores, 'the churn endpoint was never touched');
    });

    it('updates the ARM web service on the houses target', async () => {
        await put('houses/h.csv', await toText(regressionCsv({ rows: 2000, seed: 3 })));
        const [run] = await waitForRuns(1, 'houses');
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.verification!.passed, true);
        assert.match(run.promotion!.after.relativeLocation, /houses\/.*\/model\.ilearner$/);
    });

    it('refuses a file that cannot be training data, with its reason, and starts nothing', async () => {
        const before = submitted();
        await put('churn/bad.csv', 'tenure,monthly_charges\n1,2\n');
        await app.settled();
        assert.ok(
            app.logs.some(
                (l) => l.includes("Rejected training file for target 'churn'") && l.includes("'support_calls'"),
            ),
        );
        assert.equal(submitted(), before);
        await app.data.deleteBlob('churn/bad.csv');
    });

    it('starts over HTTP only with a function key', async () => {
        assert.equal((await api('retrain/churn', { method: 'POST' }, null)).status, 401);
        assert.equal((await api('retrain/churn', { method: 'POST' }, 'wrong')).status, 401);
        assert.equal((await api('runs', {}, null)).status, 401);
        assert.equal((await api('targets', {}, null)).status, 401);
        assert.equal((await api('retrain/nope', { method: 'POST' })).status, 404);
        assert.equal((await api('retrain/churn', { method: 'POST', body: '{"oops":1}' })).status, 400);
        const count = (await runs()).length;
        const res = await api('retrain/churn', { method: 'POST' });
        assert.equal(res.status, 202);
        const started = (await res.json()) as Record<string, unknown>;
        // Links to the app's own API, which the caller's function key opens; never the task hub's system key.
        assert.deepEqual(started, {
            id: 'retrain-churn',
            target: 'churn',
            statusUrl: `${app.host.origin}/api/targets/churn`,
            runsUrl: `${app.host.origin}/api/runs?target=churn`,
        });
        assert.equal(res.headers.get('location'), started.statusUrl);
        assert.equal((await api('targets/churn')).status, 200);
        const [latest] = await waitForRuns(count + 1);
        assert.equal(latest.state, 'Promoted', latest.reason);
        const targets = (await (await api('targets')).json()) as { name: string }[];
        assert.deepEqual(
            targets.map((t) => t.name),
            ['churn', 'strict', 'houses'],
        );
    });
});
