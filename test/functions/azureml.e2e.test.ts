import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AzureMlClient, deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { assertServesGolden, FEATURES, GOLDEN_ROWS, scoringWhile, trafficSeen } from '../helpers/azuremlTargets';
import { AppUnderTest } from './appHost';
import { crashWhileBaking, startAzureMlApp } from './azuremlApp';

/**
 * An Azure ML v2 target end to end: the dev host runs the built app, the studio emulator plays the
 * workspace (real training, deployments, traffic rules, scoring), Azurite is the storage. A file
 * dropped in the data container trains a command job, registers a model version, creates a
 * deployment beside `blue`, checks it alone, then moves traffic 10 -> 50 -> 100 with bakes.
 */
describe('Azure ML v2 target through the dev host + studio + Azurite', () => {
    let app: AppUnderTest;
    let client: AzureMlClient;
    before(async () => {
        ({ app, client } = await startAzureMlApp());
    });
    after(() => app?.stop());

    const api = (p: string) => app.call(p);
    /** Waits for `count` run records of `target` (newest first); the bound is for a loaded machine. */
    const waitForRuns = (count: number, target: string): Promise<RunRecord[]> =>
        app.until(
            `${count} run(s) of ${target}`,
            () => app.runs(target),
            (r) => r.length >= count,
            240_000,
        );

    async function put(name: string, rows: number, seed: number): Promise<void> {
        const text = await toText(classificationCsv({ rows, seed }));
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    }

    const share = (m: Record<string, number>, d: string) => m[d] ?? 0;
    const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

    let promotedDeployment = '';

    it('promotes through 10/50/100 with bakes, and the endpoint serves the new model', async () => {
        const { result: all, maps } = await trafficSeen(client, 'churn-online', async () => {
            await put('churnml/a.csv', 1500, 1);
            return waitForRuns(1, 'churnml');
        });
        const [run] = all;
        assert.equal(run.state, 'Promoted', `${run.reason} ${JSON.stringify(run.rollout)}`);
        const rollout = run.rollout!;
        const fresh = deriveDeploymentName('churnml', run.runId);
        assert.equal(rollout.deployment, fresh);
        assert.equal(rollout.serving, 'blue');
        assert.equal(rollout.preTraffic?.passed, true);
        assert.deepEqual(
            rollout.steps.map((s) => [s.percent, s.check?.passed]),
            [
                [10, true],
                [50, true],
                [100, true],
            ],
        );
        assert.equal(rollout.model?.version, run.runId.replace(/[^a-zA-Z0-9\-_.]+/g, '-'));
        for (const step of [
            'training',
            'evaluating',
            'registering-model',
            'deploying',
            'checking-deployment',
            'baking',
        ])
            assert.ok(run.timings[step], `timing for ${step}`);
        // The steps happened on the endpoint, in order, and every map it showed summed to 100.
        const shares = maps.map((m) => share(m, fresh));
        const reached = [10, 50, 100].map((p) => shares.indexOf(p));
        assert.ok(
            reached.every((i, k) => i >= 0 && (k === 0 || i > reached[k - 1])),
            `maps seen: ${JSON.stringify(maps)}`,
        );
        for (const m of maps) assert.equal(sum(m), 100, JSON.stringify(m));
        const end = await client.getEndpoint('churn-online');
        assert.equal(share(end.traffic, fresh), 100);
        assert.equal(share(end.traffic, 'blue'), 0);
        // keepDeployments 1: the previous deployment stays, at 0%.
        assert.ok(await client.findDeployment('churn-online', 'blue'), 'blue kept');
        assert.deepEqual(rollout.retired, []);
        // The endpoint now answers from the new deployment, with the new model.
        await assertServesGolden(client, 'churn-online', fresh);
        // The app's own scoring route answers from the endpoint too (the app holds its key).
        const viaApp = await fetch(`${app.host.origin}/api/score/churnml`, {
            method: 'POST',
            headers: { 'x-functions-key': app.host.keys.functionDefault, 'content-type': 'application/json' },
            body: JSON.stringify({ columnNames: FEATURES, rows: GOLDEN_ROWS.map((r) => r.map(String)) }),
        });
        assert.equal(viaApp.status, 200);
        const answered = (await viaApp.json()) as { deployment: string; columnNames: string[]; rows: string[][] };
        assert.equal(answered.deployment, fresh);
        const label = answered.columnNames.indexOf('Scored Labels');
        assert.deepEqual(
            answered.rows.map((r) => r[label]),
            ['0', '1'],
        );
        const deployed = await client.findDeployment('churn-online', fresh);
        assert.equal(deployed?.model, rollout.model?.modelId);
        // The champion is the run, with the job's model output.
        const target = (await (await api('targets/churnml')).json()) as { champion: { runId: string } };
        assert.equal(target.champion.runId, run.runId);
        promotedDeployment = fresh;
    });

    it('rolls back a deployment that degrades during a bake: old one 100%, new one deleted', async () => {
        assert.ok(promotedDeployment, 'needs the promotion above');
        await put('churnml/b.csv', 1500, 2);
        // When the new run bakes its first step, its deployment starts failing every request.
        const { runId: bakingRun, deployment: fresh } = await crashWhileBaking(app, 'churnml', 'churn-online');
        try {
            // Live traffic through the endpoint until the run ends: 1 call in 10 reaches the new deployment.
            await scoringWhile(client, 'churn-online', () => waitForRuns(2, 'churnml'));
            const [run] = await waitForRuns(2, 'churnml');
            assert.equal(run.runId, bakingRun);
            assert.equal(run.state, 'RolledBack', run.reason);
            assert.match(run.reason!, /Live checks failed at 10% traffic/);
            assert.equal(run.rollout?.rolledBack, true);
            assert.equal(run.rollout?.steps.length, 1);
            // The failed requests were what the live check saw (the deployment and its counters are gone now).
            const seen = run.rollout.steps[0].check!;
            assert.ok((seen.metrics?.errors ?? 0) > 0, JSON.stringify(seen));
            assert.ok(
                seen.reasons.some((r) => r.startsWith('error rate')),
                seen.reasons.join('; '),
            );
        } finally {
            app.studio.faults.clear(`churn-online/${fresh}`);
        }
        const after = await client.getEndpoint('churn-online');
        assert.equal(share(after.traffic, promotedDeployment), 100, JSON.stringify(after.traffic));
        assert.equal(await client.findDeployment('churn-online', fresh), undefined, 'the new deployment is deleted');
        const target = (await (await api('targets/churnml')).json()) as { champion: { runId: string } };
        assert.notEqual(target.champion.runId, bakingRun, 'the champion did not move');
    });

    it('never gives traffic to a deployment that fails its golden rows', async () => {
        const { result: all, maps } = await trafficSeen(client, 'strict-online', async () => {
            await put('strictml/a.csv', 1500, 3);
            return waitForRuns(1, 'strictml');
        });
        const [run] = all;
        assert.equal(run.state, 'RolledBack', run.reason);
        assert.match(run.reason!, /failed its golden rows before any traffic/);
        assert.match(run.reason!, /never/);
        const fresh = run.rollout!.deployment!;
        assert.equal(run.rollout?.preTraffic?.passed, false);
        assert.deepEqual(run.rollout?.steps, []);
        for (const m of maps) assert.equal(share(m, fresh), 0, JSON.stringify(maps));
        const end = await client.getEndpoint('strict-online');
        assert.deepEqual(end.traffic, { blue: 100 });
        assert.equal(await client.findDeployment('strict-online', fresh), undefined, 'the new deployment is deleted');
    });
});
