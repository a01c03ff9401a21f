import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { AzureMlClient, deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { testStorage, uniqueName } from '../helpers/azurite';
import {
    azureMlTarget,
    registerInitialModel,
    azureMlSettings,
    seedWithWorkspace,
    servingEndpoint,
    workspaceClient,
} from '../helpers/azuremlTargets';
import { AppConfig, appConfig } from './appConfig';
import { ChildHost, eventually, spawnHost } from './childHost';
import { api, runsOf, stepOf } from './kit';
import { findSecrets } from './secrets';

const ENDPOINT = 'crash-online';
const TARGET = 'crashml';

/**
 * SIGKILL the dev host (its own process) at each step of an Azure ML v2 rollout, start a new one on
 * the same storage, and check: the run ends Promoted, the studio saw exactly one deployment PUT for
 * it (a resumed run never makes a second deployment), the endpoint ends with the new deployment at
 * 100%, and every traffic map it was sent was accepted. Runs follow each other on one target, so
 * the later ones also retire what keepDeployments does not keep.
 */
describe('crash at each step of an Azure ML v2 rollout (SIGKILL the host, restart it)', () => {
    let studio: StudioServer;
    let studioDir: string;
    let cfg: AppConfig;
    let data: ContainerClient;
    let client: AzureMlClient;
    let hostDir: string;
    const datastoreContainer = uniqueName('azureml');
    const hostOutput: string[] = [];
    const studioLog: string[] = [];
    const hosts: ChildHost[] = [];

    before(async () => {
        const storage = await testStorage();
        studioDir = mkdtempSync(path.join(tmpdir(), 'retrainer-studio-'));
        studio = await StudioServer.start({
            storageConnectionString: storage.connectionString,
            seed: seedWithWorkspace(datastoreContainer),
            stateDir: studioDir,
            log: (l) => studioLog.push(l),
        });
        cfg = appConfig(
            storage.connectionString,
            studio.url,
            (w) => [
                azureMlTarget({ ...w, datastoreContainer }, TARGET, ENDPOINT, {
                    // Long enough bakes and operations to kill inside them.
                    rollout: { bakeInMs: 2500, pollIntervalInMs: 200 },
                }),
            ],
            azureMlSettings,
        );
        hostDir = path.join(cfg.dir, 'devhost');
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        data = blobs.getContainerClient(cfg.where.dataContainer);
        await data.create();
        client = workspaceClient(studio.url);
        const initial = await registerInitialModel(client, storage.connectionString, datastoreContainer, 'users-model');
        await servingEndpoint(client, ENDPOINT, initial);
    });
    after(async () => {
        for (const h of hosts) await h.kill9();
        await studio.close();
        assert.deepEqual(findSecrets([...hostOutput, ...studioLog].join('\n')), [], 'no secret in the logs');
    });

    /** The studio's saved v2 operations (its own record of every PUT and DELETE it accepted). */
    const operations = (): {
        kind: string;
        target: string;
        status: string;
        pending?: { properties?: { traffic?: Record<string, number> } };
    }[] => {
        const state = JSON.parse(readFileSync(path.join(studioDir, 'state.json'), 'utf8')) as {
            azureml?: { operations: Record<string, { kind: string; target: string; status: string }> };
        };
        return Object.values(state.azureml?.operations ?? {});
    };
    const deploymentPuts = (deployment: string) =>
        operations().filter((o) => o.kind === 'putDeployment' && o.target.endsWith(`/${deployment.toLowerCase()}`));

    let seed = 0;
    /** Starts a run on fresh data, kills the host when `killWhen` says so, restarts it, returns the run. */
    async function crashOnce(
        faults: { scope: string; value: Parameters<StudioServer['faults']['set']>[1] } | null,
        killWhen: (h: ChildHost) => Promise<boolean>,
    ): Promise<RunRecord> {
        const text = await toText(classificationCsv({ rows: 1500, seed: 70 + seed++ }));
        await data.getBlockBlobClient(`${TARGET}/part-${seed}.csv`).upload(text, Buffer.byteLength(text));
        if (faults) studio.faults.set(faults.scope, faults.value);
        let h = await spawnHost(cfg.env, hostDir, hostOutput);
        hosts.push(h);
        const count = (await runsOf(h.origin, h.keys.functionDefault, TARGET)).length;
        const res = await api(h.origin, h.keys.functionDefault, `retrain/${TARGET}`, { method: 'POST' });
        assert.equal(res.status, 202);
        await eventually(async () => ((await killWhen(h)) ? true : undefined), 'the moment to kill', 120_000);
        await h.kill9();
        if (faults) studio.faults.clear(faults.scope);
        h = await spawnHost(cfg.env, hostDir, hostOutput);
        hosts.push(h);
        const runs = await eventually(
            async () => {
                const r = await runsOf(h.origin, h.keys.functionDefault, TARGET);
                return r.length > count ? r : undefined;
            },
            'the run record',
            120_000,
        );
        // The instance looks for new data after recording: let it finish before the next run's file lands.
        await eventually(async () => ((await settled(h)) ? true : undefined), 'the instance to complete', 60_000);
        await h.stop();
        assert.equal(runs.length, count + 1, 'one run record for the run');
        return runs[0];
    }

    async function assertPromoted(run: RunRecord): Promise<string> {
        assert.equal(run.state, 'Promoted', `${run.reason} ${JSON.stringify(run.rollout)}`);
        const fresh = deriveDeploymentName(TARGET, run.runId);
        assert.equal(deploymentPuts(fresh).length, 1, 'exactly one deployment PUT for the run');
        const traffic = (await client.getEndpoint(ENDPOINT)).traffic;
        assert.equal(traffic[fresh], 100, JSON.stringify(traffic));
        for (const o of operations().filter((x) => x.kind === 'putEndpoint'))
            assert.notEqual(o.status, 'Failed', 'every traffic map the studio took succeeded');
        return fresh;
    }

    /** True when the target has no orchestration instance running. */
    const settled = async (h: ChildHost): Promise<boolean> => {
        const res = await api(h.origin, h.keys.functionDefault, `targets/${TARGET}`);
        const body = (await res.json()) as { inFlight: { status?: string } | null };
        return !body.inFlight || ['Completed', 'Failed', 'Terminated'].includes(body.inFlight.status ?? '');
    };

    const stepIs = (step: string) => async (h: ChildHost) =>
        (await stepOf(h.origin, h.keys.functionDefault, TARGET)) === step;

    let first = '';
    it('killed while the new deployment is being created', async () => {
        // Hold every deployment operation long enough to kill inside it.
        const run = await crashOnce({ scope: ENDPOINT, value: { v2OperationDurationInMs: 3000 } }, stepIs('deploying'));
        first = await assertPromoted(run);
        assert.ok(await client.findDeployment(ENDPOINT, 'blue'), 'keepDeployments 1 keeps blue');
    });

    it('killed during a bake: the resumed run bakes on and promotes, retiring beyond keepDeployments', async () => {
        const run = await crashOnce(null, async (h) => {
            if (!(await stepIs('baking')(h))) return false;
            const res = await api(h.origin, h.keys.functionDefault, `targets/${TARGET}`);
            const body = (await res.json()) as { inFlight: { step: { runId?: string } | null } | null };
            const runId = body.inFlight?.step?.runId;
            // Killed in the 50% step's bake.
            return (
                runId !== undefined &&
                (await client.getEndpoint(ENDPOINT)).traffic[deriveDeploymentName(TARGET, runId)] === 50
            );
        });
        const fresh = await assertPromoted(run);
        assert.deepEqual(
            run.rollout?.steps.map((s) => s.percent),
            [10, 50, 100],
        );
        // keepDeployments 1: the previous one stays, blue (older) is retired.
        assert.ok(await client.findDeployment(ENDPOINT, first), 'the previous deployment is kept');
        assert.equal(await client.findDeployment(ENDPOINT, 'blue'), undefined, 'blue is retired');
        assert.deepEqual(run.rollout?.retired, ['blue']);
        first = fresh;
    });

    it('killed while a traffic change is in progress', async () => {
        const run = await crashOnce(
            { scope: ENDPOINT, value: { v2OperationDurationInMs: 3000 } },
            stepIs('shifting-traffic'),
        );
        await assertPromoted(run);
    });

    it('killed while the model version is being registered', async () => {
        // The model PUT is held (and its GET): killed inside the registration.
        const run = await crashOnce(
            { scope: TARGET, value: { http: [{ operation: 'v2Model', delayInMs: 4000, times: 1 }] } },
            stepIs('registering-model'),
        );
        await assertPromoted(run);
        assert.equal(run.rollout?.model?.version, run.runId.replace(/[^a-zA-Z0-9\-_.]+/g, '-'));
    });

    it('killed while the golden rows are scored against the new deployment alone', async () => {
        const run = await crashOnce(
            { scope: ENDPOINT, value: { http: [{ operation: 'v2Score', delayInMs: 4000, times: 1 }] } },
            stepIs('checking-deployment'),
        );
        await assertPromoted(run);
        assert.equal(run.rollout?.preTraffic?.passed, true);
    });

    it('killed while retiring an earlier deployment', async () => {
        // Deletes (and everything else on the endpoint) are held long enough to kill inside one.
        const run = await crashOnce({ scope: ENDPOINT, value: { v2OperationDurationInMs: 3000 } }, stepIs('retiring'));
        await assertPromoted(run);
        assert.equal(run.rollout?.retired.length, 1, JSON.stringify(run.rollout));
        const left = operations().filter(
            (o) => o.kind === 'deleteDeployment' && o.target.endsWith(`/${run.rollout!.retired[0].toLowerCase()}`),
        );
        assert.equal(left.length, 1, 'one delete of the retired deployment');
    });
});
