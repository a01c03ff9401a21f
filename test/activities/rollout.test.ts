import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { evaluate } from '../../src/activities/evaluate';
import { ActivityDeps } from '../../src/activities/deps';
import { getJobStatus } from '../../src/activities/jobStatus';
import {
    beginDeployment,
    checkDeployment,
    deleteDeployment,
    deploymentNameOf,
    pollOperation,
    registerModel,
    setTraffic,
} from '../../src/activities/rollout';
import { createDeps } from '../../src/activities/runtime';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJobActivity } from '../../src/activities/submitJob';
import { AzureMlClient, deriveJobName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import type { OperationRef, SubmittedJob } from '../../src/orchestrators/contracts';
import { validateConfig } from '../../src/retraining/config';
import { testStorage, uniqueName } from '../helpers/azurite';
import {
    azureMlSettings,
    azureMlTarget,
    seedWithWorkspace,
    operationDone,
    usersWorkspace,
} from '../helpers/azuremlTargets';
import { acted } from '../helpers/claims';
import { demoSettings } from '../helpers/demoTargets';
import { eventually, startStudio } from '../helpers/environment';

const ENDPOINT = 'act-online';
const TARGET = 'churnml';

/**
 * The Azure ML v2 activities as the app builds them (createDeps on a validated config), against the
 * studio emulator over real HTTP and Azurite: each side effect acts once, a retried call returns
 * what the first did, and a copy taking over from a holder that died after its call sends nothing new.
 */
describe('Azure ML v2 activities against the studio emulator', () => {
    let studio: StudioServer;
    let studioDir: string;
    let deps: ActivityDeps;
    let client: AzureMlClient;
    let blobs: BlobServiceClient;
    let modelsContainer = '';
    const datastoreContainer = uniqueName('azureml');

    before(async () => {
        const storage = await testStorage();
        blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        studioDir = mkdtempSync(path.join(tmpdir(), 'retrainer-studio-'));
        studio = await startStudio({ seed: seedWithWorkspace(datastoreContainer), stateDir: studioDir });
        const where = {
            studioUrl: studio.url,
            dataContainer: uniqueName('data'),
            modelsContainer: uniqueName('models'),
            datastoreContainer,
        };
        modelsContainer = where.modelsContainer;
        const env: Record<string, string> = {
            ...demoSettings,
            ...azureMlSettings,
            RETRAINER_DATA_STORAGE: storage.connectionString,
            RETRAINER_RUNS_CONTAINER: uniqueName('runs'),
        };
        const config = validateConfig({
            storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
            targets: [azureMlTarget(where, TARGET, ENDPOINT)],
        });
        deps = createDeps({ config, setting: (name) => env[name] }, env);
        await deps.runs.ensure();
        await blobs.getContainerClient(where.dataContainer).create();
        const text = await toText(classificationCsv({ rows: 1200, seed: 5 }));
        await blobs
            .getContainerClient(where.dataContainer)
            .getBlockBlobClient(`${TARGET}/a.csv`)
            .upload(text, text.length);
        client = await usersWorkspace(studio.url, storage.connectionString, datastoreContainer, [ENDPOINT]);
    });
    after(() => studio?.close());

    /** The studio's saved v2 operations (its own record of every PUT and DELETE it accepted). */
    const operations = (kind: string, deployment: string) => {
        const state = JSON.parse(readFileSync(path.join(studioDir, 'state.json'), 'utf8')) as {
            azureml?: { operations: Record<string, { kind: string; target: string }> };
        };
        return Object.values(state.azureml?.operations ?? {}).filter(
            (o) => o.kind === kind && o.target.endsWith(`/${deployment.toLowerCase()}`),
        );
    };
    const settle = (operation: OperationRef | null) =>
        operation
            ? eventually(
                  async () => {
                      const p = await pollOperation(deps, { target: TARGET, operation });
                      return p.status === 'InProgress' ? undefined : p;
                  },
                  'the operation',
                  120_000,
              )
            : Promise.resolve({ status: 'Succeeded' as const });

    const runId = '20260101T000000000Z-abcdef012345';
    let job: SubmittedJob;
    let modelId = '';
    const fresh = () => deploymentNameOf(deps.config.targets[0], runId);

    it('submits the command job once under the derived name, with the canonical CSV on the datastore', async () => {
        const manifest = await snapshotManifest(deps, { target: TARGET, trigger: { kind: 'http' } });
        const input = { target: TARGET, runId, manifest, globalParameters: {} };
        const first = acted(await submitJobActivity(deps, input));
        assert.ok(!('refused' in first));
        job = first;
        assert.equal(job.jobId, deriveJobName(TARGET, runId));
        assert.deepEqual(acted(await submitJobActivity(deps, input)), job, 'a retried submit returns the same job');
        const csv = await blobs
            .getContainerClient(datastoreContainer)
            .getBlobClient(`retrainer/${TARGET}/${runId}/training.csv`)
            .downloadToBuffer();
        assert.match(
            csv.toString('utf8').split('\n')[0],
            /^tenure,monthly_charges,support_calls,contract_months,churned/,
        );
        const status = await eventually(
            async () => {
                const s = await getJobStatus(deps, { target: TARGET, jobId: job.jobId });
                return ['Finished', 'Failed', 'Cancelled'].includes(s.state) ? s : undefined;
            },
            'the job to finish',
            120_000,
        );
        assert.equal(status.state, 'Finished', status.details);
        const verdict = await evaluate(deps, { target: TARGET, runId, job });
        assert.equal(verdict.passed, true, verdict.reasons.join('; '));
        assert.ok(verdict.metrics.auc > 0.7, JSON.stringify(verdict.metrics));
    });

    it('registers the model version once, tagged with the run and its data', async () => {
        const input = { target: TARGET, runId, job, dataHash: 'abcdef0123456789' };
        const model = acted(await registerModel(deps, input));
        assert.equal(model.version, runId);
        assert.deepEqual(acted(await registerModel(deps, input)), model);
        modelId = model.modelId;
    });

    it('begins the deployment beside the serving one; a retried call begins nothing new', async () => {
        const input = { target: TARGET, runId, modelId };
        const begun = acted(await beginDeployment(deps, input));
        assert.equal(begun.deployment, fresh());
        assert.equal(begun.serving, 'blue');
        assert.deepEqual(begun.trafficBefore, { blue: 100 });
        assert.deepEqual(begun.earlier, ['blue']);
        assert.ok(begun.operation.state, 'the poller state is kept for later polls');
        assert.deepEqual(acted(await beginDeployment(deps, input)), begun);
        assert.equal((await settle(begun.operation)).status, 'Succeeded');
        assert.equal(operations('putDeployment', fresh()).length, 1, 'one deployment PUT');
    });

    it('a copy taking over from a holder that died after its PUT polls that deployment instead of creating it again', async () => {
        const other = '20260101T000000001Z-abcdef012345';
        const name = deploymentNameOf(deps.config.targets[0], other);
        // The dead holder: it recorded the endpoint as it was and sent the PUT, then died.
        const marker = blobs
            .getContainerClient(modelsContainer)
            .getBlockBlobClient(`${TARGET}/${other}/azureml/deployment.json`);
        const record = {
            claim: { owner: 'dead', state: 'claimed', claimedAt: new Date().toISOString(), takeovers: 0 },
            progress: {
                before: {
                    deployment: name,
                    serving: 'blue',
                    trafficBefore: { blue: 100 },
                    earlier: ['blue'],
                    location: 'westeurope',
                },
            },
        };
        await marker.upload(JSON.stringify(record), JSON.stringify(record).length);
        await operationDone(
            client,
            await client.beginCreateDeployment({
                endpoint: ENDPOINT,
                deployment: name,
                location: 'westeurope',
                modelId,
            }),
        );
        const begun = acted(await beginDeployment(deps, { target: TARGET, runId: other, modelId }));
        assert.deepEqual(begun.operation, { kind: 'deployment', endpoint: ENDPOINT, deployment: name });
        assert.equal((await settle(begun.operation)).status, 'Succeeded');
        assert.equal(operations('putDeployment', name).length, 1, 'still one deployment PUT');
        const removed = acted(await deleteDeployment(deps, { target: TARGET, runId: other, deployment: name }));
        assert.equal((await settle(removed.operation)).status, 'Succeeded');
    });

    it('scores the golden rows against the new deployment alone, and reads its metrics over a window', async () => {
        const fromMs = Date.now();
        const alone = await checkDeployment(deps, { target: TARGET, runId, deployment: fresh(), via: 'deployment' });
        assert.equal(alone.passed, true, alone.reasons.join('; '));
        assert.match(alone.reasons[0], new RegExp(`golden rows at deployment '${fresh()}': 2 golden rows matched`));
        // The window holds the one scoring call above and closes before the next check scores.
        const toMs = Date.now() + 1;
        await eventually(() => (Date.now() > toMs ? true : undefined), 'the window to close', 1000, 1);
        const windowed = await checkDeployment(deps, {
            target: TARGET,
            runId,
            deployment: fresh(),
            via: 'deployment',
            window: { fromMs, toMs },
        });
        assert.equal(windowed.passed, true, windowed.reasons.join('; '));
        assert.equal(windowed.metrics?.requests, 1, JSON.stringify(windowed.metrics));
        assert.equal(windowed.metrics?.errors, 0);
    });

    it('sets traffic once per step label (a full PUT the service validates), and not at all when already so', async () => {
        const step = { target: TARGET, runId, label: '10', traffic: { blue: 90, [fresh()]: 10 } };
        const started = acted(await setTraffic(deps, step));
        assert.ok(started.operation);
        assert.deepEqual(acted(await setTraffic(deps, step)), started, 'a retried step returns its operation');
        assert.equal((await settle(started.operation)).status, 'Succeeded');
        assert.deepEqual((await client.getEndpoint(ENDPOINT)).traffic, { blue: 90, [fresh()]: 10 });
        const same = acted(await setTraffic(deps, { ...step, label: '10-again' }));
        assert.equal(same.operation, null, 'nothing to change');
        // A map the service refuses (it does not sum to 100) fails the step, naming the rule.
        await assert.rejects(
            setTraffic(deps, { ...step, label: 'bad', traffic: { blue: 50, [fresh()]: 10 } }),
            /HTTP 400/,
        );
        assert.deepEqual((await client.getEndpoint(ENDPOINT)).traffic, { blue: 90, [fresh()]: 10 });
    });

    it('deletes a deployment once its traffic is back at 0; a deployment that is gone needs nothing', async () => {
        const back = acted(
            await setTraffic(deps, { target: TARGET, runId, label: 'rollback', traffic: { blue: 100, [fresh()]: 0 } }),
        );
        assert.equal((await settle(back.operation)).status, 'Succeeded');
        const removed = acted(await deleteDeployment(deps, { target: TARGET, runId, deployment: fresh() }));
        assert.ok(removed.operation);
        assert.equal((await settle(removed.operation)).status, 'Succeeded');
        assert.equal(await client.findDeployment(ENDPOINT, fresh()), undefined);
        assert.deepEqual((await client.getEndpoint(ENDPOINT)).traffic, { blue: 100 });
        const again = acted(
            await deleteDeployment(deps, { target: TARGET, runId: 'another-run', deployment: fresh() }),
        );
        assert.equal(again.operation, null);
    });
});
