import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
    DUPLICATE_ACTIVITY,
    duplicateEvidence,
    RESENT_AFTER_ABORTED_COMMIT,
} from '../../src/local/host/semantics/activities';
import { AzureMlClient, deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import { Activities, RunRecord } from '../../src/orchestrators/contracts';
import { settled } from '../helpers/environment';
import { assertServesGolden, scoringWhile, trafficSeen } from '../helpers/azuremlTargets';
import { duplicatedActivitySettings } from '../helpers/semanticsSettings';
import { AppUnderTest } from './appHost';
import { crashWhileBaking, startAzureMlApp } from './azuremlApp';

/** The rollout's side effects, each run as two copies at once under the profile. */
const SIDE_EFFECTS = [
    Activities.submitJob,
    Activities.registerModel,
    Activities.beginDeployment,
    Activities.setTraffic,
    Activities.deleteDeployment,
    Activities.record,
];

/**
 * An Azure ML v2 target under the dev host's azure semantics profile: every side-effecting
 * activity runs as two copies at the same time, 30% of the commits that send activity work are
 * aborted and re-sent, idle queues back off, and Event Grid drops or repeats blob events. A
 * promotion must still make one deployment and write one traffic map per step (every map one the
 * service accepts) and end with the endpoint serving the new model; a deployment that fails its
 * golden rows gets no traffic and is deleted once; one that degrades during a bake is rolled back
 * (old deployment 100%, new one deleted once). Each upload leaves one run record.
 */
describe('Azure ML v2 rollout under the azure semantics profile (duplicated activities, aborted commits)', () => {
    let app: AppUnderTest;
    let client: AzureMlClient;
    const studioState = mkdtempSync(path.join(tmpdir(), 'studio-azureml-'));
    before(async () => {
        ({ app, client } = await startAzureMlApp(duplicatedActivitySettings(7, SIDE_EFFECTS), {
            host: { semantics: 'azure' },
            studioStateDir: studioState,
        }));
    });
    after(() => app?.stop());

    const operations = (kind: string, suffix: string) => {
        const state = JSON.parse(readFileSync(path.join(studioState, 'state.json'), 'utf8')) as {
            azureml?: { operations: Record<string, { kind: string; target: string }> };
        };
        return Object.values(state.azureml?.operations ?? {}).filter(
            (o) => o.kind === kind && o.target.endsWith(suffix.toLowerCase()),
        );
    };

    async function runOf(target: string, file: string, seed: number, count = 1, upload = true): Promise<RunRecord> {
        if (upload) {
            const text = await toText(classificationCsv({ rows: 1200, seed }));
            await app.data.getBlockBlobClient(`${target}/${file}`).upload(text, Buffer.byteLength(text));
        }
        const runs = await app.until(
            `the run of ${target}`,
            () => app.runs(target),
            (r) => r.length >= count,
            // Bounds a hang only: the run itself takes well under a minute.
            240_000,
        );
        // A late duplicate would add a record: wait until no orchestration runs and no arrival is
        // pending. Not the blob triggers' receipts: a dropped Event Grid event never runs its trigger.
        await settled({ ...app.scope, blobTrigger: false });
        assert.equal((await app.runs(target)).length, count, 'one run record per upload');
        return runs[0];
    }

    /** A traffic map the service accepts: whole percentages summing to 100, each on a deployment it names. */
    function assertValidMap(m: Record<string, number>, deployments: readonly string[]): void {
        const values = Object.values(m);
        assert.equal(
            values.reduce((a, b) => a + b, 0),
            100,
            JSON.stringify(m),
        );
        for (const [d, v] of Object.entries(m)) {
            assert.ok(Number.isInteger(v) && v >= 0 && v <= 100, JSON.stringify(m));
            assert.ok(deployments.includes(d), `${d} in ${JSON.stringify(m)}`);
        }
    }

    const share = (m: Record<string, number>, d: string) => m[d] ?? 0;
    let promoted = '';

    it('promotes through 10/50/100 with one deployment PUT, valid traffic maps, and serves the new model', async () => {
        const before = operations('putEndpoint', '/churn-online').length;
        const { result: run, maps } = await trafficSeen(client, 'churn-online', () => runOf('churnml', 'a.csv', 1, 1));
        assert.equal(run.state, 'Promoted', `${run.reason} ${JSON.stringify(run.rollout)}`);
        const fresh = deriveDeploymentName('churnml', run.runId);
        assert.equal(run.rollout?.deployment, fresh);
        assert.deepEqual(
            run.rollout?.steps.map((s) => [s.percent, s.check?.passed]),
            [
                [10, true],
                [50, true],
                [100, true],
            ],
        );
        assert.equal(operations('putDeployment', `/${fresh}`).length, 1, 'one deployment PUT');
        // Duplicated setTraffic copies write each step's map once (3 steps; no rollback).
        assert.equal(operations('putEndpoint', '/churn-online').length - before, 3, 'one endpoint PUT per step');
        const reached = [10, 50, 100].map((p) => maps.findIndex((m) => share(m, fresh) === p));
        assert.ok(
            reached.every((i, k) => i >= 0 && (k === 0 || i > reached[k - 1])),
            `maps seen: ${JSON.stringify(maps)}`,
        );
        for (const m of maps) assertValidMap(m, ['blue', fresh]);
        const end = await client.getEndpoint('churn-online');
        assert.equal(share(end.traffic, fresh), 100, JSON.stringify(end.traffic));
        await assertServesGolden(client, 'churn-online', fresh);
        assert.equal((await client.findDeployment('churn-online', fresh))?.model, run.rollout?.model?.modelId);
        promoted = fresh;
    });

    it('rolls back a deployment that degrades during a bake: the old one 100%, the new one deleted once', async () => {
        assert.ok(promoted, 'needs the promotion above');
        const before = operations('putEndpoint', '/churn-online').length;
        const text = await toText(classificationCsv({ rows: 1200, seed: 2 }));
        await app.data.getBlockBlobClient('churnml/b.csv').upload(text, Buffer.byteLength(text));
        const { runId: bakingRun, deployment: fresh } = await crashWhileBaking(app, 'churnml', 'churn-online');
        let run: RunRecord;
        try {
            // Live traffic through the endpoint until the run ends, so the bake's counters see the failures.
            const { result, maps } = await scoringWhile(client, 'churn-online', () =>
                trafficSeen(client, 'churn-online', () => runOf('churnml', 'b.csv', 2, 2, false)),
            );
            run = result;
            for (const m of maps) assertValidMap(m, [promoted, 'blue', fresh]);
        } finally {
            app.studio.faults.clear(`churn-online/${fresh}`);
        }
        assert.equal(run.runId, bakingRun);
        assert.equal(run.state, 'RolledBack', run.reason);
        assert.match(run.reason!, /Live checks failed at 10% traffic/);
        assert.equal(run.rollout?.steps.length, 1);
        assert.equal(operations('putDeployment', `/${fresh}`).length, 1, 'one deployment PUT');
        assert.equal(operations('deleteDeployment', `/${fresh}`).length, 1, 'one delete');
        // One map for the 10% step, one for the rollback.
        assert.equal(operations('putEndpoint', '/churn-online').length - before, 2);
        const after = await client.getEndpoint('churn-online');
        assert.equal(share(after.traffic, promoted), 100, JSON.stringify(after.traffic));
        assert.equal(await client.findDeployment('churn-online', fresh), undefined, 'the new deployment is deleted');
    });

    it('a deployment failing its golden rows is deleted once and never gets traffic', async () => {
        const trafficBefore = operations('putEndpoint', '/strict-online').length;
        const { result: run, maps } = await trafficSeen(client, 'strict-online', () => runOf('strictml', 'a.csv', 22));
        assert.equal(run.state, 'RolledBack', run.reason);
        const fresh = run.rollout!.deployment!;
        assert.equal(operations('putDeployment', `/${fresh}`).length, 1);
        assert.equal(operations('deleteDeployment', `/${fresh}`).length, 1, 'one delete');
        assert.equal(operations('putEndpoint', '/strict-online').length, trafficBefore, 'no traffic map written');
        for (const m of maps) assert.equal(share(m, fresh), 0, JSON.stringify(maps));
        assert.deepEqual((await client.getEndpoint('strict-online')).traffic, { blue: 100 });
    });

    it('the profile really ran the rollout steps as overlapping duplicates and aborted commits', () => {
        const faults = app.host.semantics.faults.all();
        for (const activity of [Activities.beginDeployment, Activities.setTraffic, Activities.deleteDeployment]) {
            const pairs = faults.filter(
                (f) => f.kind === DUPLICATE_ACTIVITY && duplicateEvidence(f.detail).activity === activity,
            );
            assert.ok(pairs.length > 0, `a duplicate of ${activity}`);
            assert.ok(
                pairs.some((f) => duplicateEvidence(f.detail).overlapped),
                `two copies of ${activity} overlapped`,
            );
        }
        assert.ok(faults.some((f) => f.kind === RESENT_AFTER_ABORTED_COMMIT));
    });
});
