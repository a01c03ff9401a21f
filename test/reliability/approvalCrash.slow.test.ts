import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import type { CustomStatus } from '../../src/orchestrators/contracts';
import { housesTarget, seedForTargets, Where } from '../helpers/demoTargets';
import { AppConfig, appConfig, churnLike } from './appConfig';
import { ChildHost, eventually, spawnHost, startStudio, testStorage } from '../helpers/environment';
import { api, runsOf } from './kit';

const TIMEOUT_IN_MS = 15_000;
const approval = { required: true, timeoutInMs: TIMEOUT_IN_MS };

function housesLike(w: Where, name: string): Record<string, unknown> {
    const base = housesTarget(w);
    return housesTarget(w, { name, data: { ...(base.data as object), prefixPattern: `${name}/*.csv` }, approval });
}

/**
 * SIGKILL the dev host while a run waits for approval and start a new one on the same storage:
 * the wait resumes with the deadline it had (since and until come from the history, not the
 * restart), an approval sent to the new host promotes, and a timeout fires at the original deadline.
 */
describe('host crash while a run waits for approval', () => {
    let studio: StudioServer;
    let cfg: AppConfig;
    let data: ContainerClient;
    const output: string[] = [];
    const hosts: ChildHost[] = [];

    before(async () => {
        const storage = await testStorage();
        studio = await startStudio({
            seed: seedForTargets((w) => [churnLike(w, 'wait-classic', { approval }), housesLike(w, 'wait-arm')]),
        });
        cfg = appConfig(storage.connectionString, studio.url, (w) => [
            churnLike(w, 'wait-classic', { approval }),
            housesLike(w, 'wait-arm'),
        ]);
        data = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            cfg.where.dataContainer,
        );
        await data.create();
    });
    after(async () => {
        for (const h of hosts) await h.kill9();
        await studio.close();
    });

    const host = async (): Promise<ChildHost> => {
        const h = await spawnHost({ env: cfg.env, stateDir: path.join(cfg.dir, 'devhost'), output });
        hosts.push(h);
        return h;
    };
    const waitingStatus = (h: ChildHost, target: string): Promise<CustomStatus> =>
        eventually(async () => {
            const res = await api(h.origin, h.keys.functionDefault, `targets/${target}`);
            if (res.status !== 200) return undefined;
            const step = ((await res.json()) as { inFlight: { step: CustomStatus | null } | null }).inFlight?.step;
            return step?.step === 'awaiting-approval' ? step : undefined;
        }, `${target} waiting for approval`);

    /** Starts a run of `target`, kills the host while it waits, restarts: the same wait, resumed. */
    async function crashWhileWaiting(target: string, csv: string): Promise<{ h: ChildHost; waited: CustomStatus }> {
        await data.getBlockBlobClient(`${target}/a.csv`).upload(csv, Buffer.byteLength(csv));
        let h = await host();
        const res = await api(h.origin, h.keys.functionDefault, `retrain/${target}`, { method: 'POST' });
        assert.equal(res.status, 202);
        const waited = await waitingStatus(h, target);
        await h.kill9();
        h = await host();
        const resumed = await waitingStatus(h, target);
        assert.deepEqual(
            { runId: resumed.runId, since: resumed.since, until: resumed.until },
            { runId: waited.runId, since: waited.since, until: waited.until },
            'the restarted host resumes the same wait with the original deadline',
        );
        return { h, waited };
    }

    it('classic: resumes waiting with the original deadline, and an approval sent after the restart promotes', async () => {
        const t = 'wait-classic';
        const { h, waited } = await crashWhileWaiting(t, await toText(classificationCsv({ rows: 600, seed: 71 })));
        const res = await api(h.origin, h.keys.functionDefault, `runs/${waited.runId}/approve`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ by: 'ana', why: 'after the crash' }),
        });
        assert.equal(res.status, 202, await res.text());
        const [run] = await eventually(async () => {
            const r = await runsOf(h.origin, h.keys.functionDefault, t);
            return r.length > 0 ? r : undefined;
        }, 'the run record');
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.approval?.until, waited.until);
        assert.equal(studio.stats().byScope['churn-predictive']?.patchEndpoint, 1, 'patched once');
        await h.stop();
    });

    it('arm: resumes waiting, and the timeout fires at the original deadline', async () => {
        const t = 'wait-arm';
        const puts = studio.stats().operations.armPut ?? 0;
        const { h, waited } = await crashWhileWaiting(t, await toText(regressionCsv({ rows: 800, seed: 72 })));
        const [run] = await eventually(
            async () => {
                const r = await runsOf(h.origin, h.keys.functionDefault, t);
                return r.length > 0 ? r : undefined;
            },
            'the run record',
            TIMEOUT_IN_MS + 60_000,
        );
        assert.equal(run.state, 'Rejected', run.reason);
        assert.equal(run.approval?.decision, 'timeout');
        assert.equal(run.approval?.since, waited.since);
        assert.equal(run.approval?.until, waited.until, 'the deadline set before the crash');
        assert.ok(run.timings.recording >= waited.until!, 'recorded once the original deadline had passed');
        assert.equal(studio.stats().operations.armPut ?? 0, puts, 'the web service untouched');
        await h.stop();
    });
});
