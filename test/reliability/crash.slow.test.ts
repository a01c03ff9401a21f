import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { classificationCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { classicEndpointOf, classicServiceIdOf, seedForTargets } from '../helpers/demoTargets';
import { AppConfig, appConfig, churnLike } from './appConfig';
import { ChildHost, eventually, settled, spawnHost, startStudio, testStorage } from '../helpers/environment';
import { api, boundModel, jobsOfRun, runsOf, scoreRetrained, stepOf } from './kit';
import { findSecrets } from './secrets';

/**
 * SIGKILL the dev host (its own process, as a crashed machine) at each step of a retrain, start a
 * new one on the same storage, and check the outcome: the run ends Promoted, one BES job and one
 * PATCH for it, one run record. The studio's fault injection holds each step long enough to kill
 * inside it; the in-flight step is read from GET /api/targets/{t}.
 */
describe('crash at every step of a retrain (SIGKILL the host, restart it)', () => {
    let studio: StudioServer;
    let studioPort: number;
    let studioDir: string;
    let cfg: AppConfig;
    let data: ContainerClient;
    let runs: ContainerClient;
    let hostDir: string;
    const studioLog: string[] = [];
    const hostOutput: string[] = [];
    const hosts: ChildHost[] = [];
    const scanned: string[] = [];
    const TARGETS = ['submit', 'poll', 'evaluate', 'promote', 'verify', 'studio'].map((s) => `crash-${s}`);

    const studioAt = (port = 0): Promise<StudioServer> =>
        startStudio({
            seed: seedForTargets((w) => TARGETS.map((t) => churnLike(w, t))),
            stateDir: studioDir,
            port,
            logs: studioLog,
        });

    before(async () => {
        const storage = await testStorage();
        studioDir = mkdtempSync(path.join(tmpdir(), 'retrainer-studio-'));
        studio = await studioAt();
        studioPort = Number(new URL(studio.url).port);
        cfg = appConfig(storage.connectionString, studio.url, (w) => TARGETS.map((t) => churnLike(w, t)));
        hostDir = path.join(cfg.dir, 'devhost');
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        data = blobs.getContainerClient(cfg.where.dataContainer);
        await data.create();
        runs = blobs.getContainerClient(cfg.runsContainer);
    });
    after(async () => {
        for (const h of hosts) await h.kill9();
        await studio.close();
        const leaks = findSecrets([...hostOutput, ...studioLog, ...scanned].join('\n'));
        assert.deepEqual(leaks, [], 'no secret in host output, studio log, run records or status bodies');
    });

    const host = async (): Promise<ChildHost> => {
        const h = await spawnHost({ env: cfg.env, stateDir: hostDir, output: hostOutput });
        hosts.push(h);
        return h;
    };
    const ops = (): Record<string, number> => studio.stats().operations;
    const recordsOf = async (target: string): Promise<string[]> => {
        const names: string[] = [];
        if (!(await runs.exists())) return names;
        for await (const b of runs.listBlobsFlat({ prefix: `runs/${target}/` })) names.push(b.name);
        return names;
    };

    /**
     * Starts a retrain of `target` on fresh data, arms `faults`, kills the host when `killWhen` says
     * so, runs `whileDown`, restarts the host and waits for the run's record.
     */
    async function crashOnce(
        target: string,
        faults: { scope: string; value: Parameters<StudioServer['faults']['set']>[1] },
        killWhen: (h: ChildHost, base: Record<string, number>) => Promise<boolean>,
        whileDown: () => Promise<void> = () => Promise.resolve(),
    ): Promise<{ run: RunRecord; base: Record<string, number> }> {
        const text = await toText(classificationCsv({ rows: 1500, seed: TARGETS.indexOf(target) + 40 }));
        await data.getBlockBlobClient(`${target}/a.csv`).upload(text, Buffer.byteLength(text));
        const base = ops();
        studio.faults.set(faults.scope, faults.value);
        let h = await host();
        const res = await api(h.origin, h.keys.functionDefault, `retrain/${target}`, { method: 'POST' });
        assert.equal(res.status, 202);
        scanned.push(await res.text());
        await eventually(async () => ((await killWhen(h, base)) ? true : undefined), `the moment to kill (${target})`);
        await h.kill9();
        assert.deepEqual(await recordsOf(target), [], 'killed before the run ended');
        await whileDown();
        h = await host();
        const [run, ...more] = await eventually(async () => {
            const r = await runsOf(h.origin, h.keys.functionDefault, target);
            return r.length > 0 ? r : undefined;
        }, `the run record of ${target}`);
        studio.faults.clear(faults.scope);
        // A late duplicate would show up here: wait until the restarted host has nothing left to do.
        const connectionString = (await testStorage()).connectionString;
        await settled(
            { connectionString, origin: h.origin, keys: h.keys, hostId: h.hostId, data, runs, blobTrigger: false },
            () => h.output.slice(-40).join('\n'),
        );
        assert.equal(more.length, 0, 'one run record');
        const after = await runsOf(h.origin, h.keys.functionDefault, target);
        assert.equal(after.length, 1, 'no run record duplicated later');
        scanned.push(
            JSON.stringify(after),
            await (await api(h.origin, h.keys.functionDefault, `targets/${target}`)).text(),
        );
        await h.stop();
        return { run, base };
    }

    async function assertOutcome(target: string, run: RunRecord, base: Record<string, number>): Promise<void> {
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(jobsOfRun(studioDir, target, run.runId).length, 1, 'exactly one BES job for the run');
        assert.equal((ops().patchEndpoint ?? 0) - (base.patchEndpoint ?? 0), 1, 'the endpoint patched once');
        assert.deepEqual(await recordsOf(target), [`runs/${target}/${run.runId}.json`], 'one stored run record');
        assert.deepEqual(await scoreRetrained(studio.url, target), ['0', '1'], 'the promoted model serves');
    }

    const stepIs = (target: string, step: string) => async (h: ChildHost) =>
        (await stepOf(h.origin, h.keys.functionDefault, target)) === step;

    it('killed after the BES submit, before the start: the job submitted is the one that runs', async () => {
        const t = 'crash-submit';
        const { run, base } = await crashOnce(
            t,
            { scope: 'churn-training', value: { http: [{ operation: 'startJob', delayInMs: 5000, times: 1 }] } },
            // The start call arriving means the submit answered and the job id was recorded.
            (_h, b) => Promise.resolve((ops().startJob ?? 0) > (b.startJob ?? 0)),
        );
        await assertOutcome(t, run, base);
    });

    it('killed while polling the job', async () => {
        const t = 'crash-poll';
        const { run, base } = await crashOnce(
            t,
            { scope: 'churn-training', value: { jobDurationInMs: 4000 } },
            async (h, b) => (await stepIs(t, 'training')(h)) && (ops().getJobStatus ?? 0) > (b.getJobStatus ?? 0),
        );
        await assertOutcome(t, run, base);
    });

    it('killed after evaluation, before the promotion reached the endpoint', async () => {
        const t = 'crash-evaluate';
        const { run, base } = await crashOnce(
            t,
            { scope: 'churn-predictive', value: { http: [{ operation: 'getEndpoint', delayInMs: 4000, times: 1 }] } },
            stepIs(t, 'promoting'),
        );
        await assertOutcome(t, run, base);
    });

    it('killed right after the PATCH landed, before the activity returned', async () => {
        const t = 'crash-promote';
        const { run, base } = await crashOnce(
            t,
            // The first GET (what is served now) and the read-back after the PATCH are held.
            { scope: 'churn-predictive', value: { http: [{ operation: 'getEndpoint', delayInMs: 3000, times: 2 }] } },
            // Killed once the studio has bound this run's model: the PATCH has landed.
            () => Promise.resolve(boundModel(studioDir, t).includes(`/${t}/`)),
        );
        await assertOutcome(t, run, base);
    });

    it('killed during verification', async () => {
        const t = 'crash-verify';
        const { run, base } = await crashOnce(
            t,
            {
                scope: classicServiceIdOf(classicEndpointOf(t)),
                value: { http: [{ operation: 'execute', delayInMs: 4000, times: 1 }] },
            },
            stepIs(t, 'verifying'),
        );
        await assertOutcome(t, run, base);
    });

    it('the studio restarted mid-job while the host keeps polling: the job runs again from its saved state', async () => {
        const t = 'crash-studio';
        const text = await toText(classificationCsv({ rows: 1500, seed: 60 }));
        await data.getBlockBlobClient(`${t}/a.csv`).upload(text, Buffer.byteLength(text));
        studio.faults.set('churn-training', { jobDurationInMs: 3000 });
        const h = await host();
        const res = await api(h.origin, h.keys.functionDefault, `retrain/${t}`, { method: 'POST' });
        assert.equal(res.status, 202);
        await eventually(async () => ((await stepIs(t, 'training')(h)) ? true : undefined), 'training');
        await studio.close();
        // A simulated outage, not a wait for a condition: the studio stays away 1.5 s while the host polls.
        await new Promise((r) => setTimeout(r, 1500));
        studio = await studioAt(studioPort);
        const [run] = await eventually(async () => {
            const r = await runsOf(h.origin, h.keys.functionDefault, t);
            return r.length > 0 ? r : undefined;
        }, 'the run record');
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(jobsOfRun(studioDir, t, run.runId).length, 1, 'exactly one BES job for the run');
        // The restarted studio counts from zero, and the promotion came after the restart.
        assert.equal(ops().patchEndpoint ?? 0, 1, 'patched once');
        assert.deepEqual(await scoreRetrained(studio.url, t), ['0', '1']);
        assert.equal((await runsOf(h.origin, h.keys.functionDefault, t)).length, 1);
        await h.stop();
    });
});
