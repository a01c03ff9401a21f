import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { ActivityDeps } from '../../src/activities/deps';
import { cancelJob, getJobStatus } from '../../src/activities/jobStatus';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJob } from '../../src/activities/submitJob';
import { BatchExecutionClient } from '../../src/clients';
import { classificationCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import type { JobStatus, ManifestSnapshot } from '../../src/orchestrators/contracts';
import { besTrainingOf, validateConfig } from '../../src/retraining/config';
import { RunStore } from '../../src/retraining/runStore';
import { eventually, startStudio, testStorage, uniqueName } from '../helpers/environment';
import { churnTarget, demoSettings, seed } from '../helpers/demoTargets';
import { acted } from '../helpers/claims';

describe('training activities (Azurite + studio emulator)', () => {
    let studio: StudioServer;
    let deps: ActivityDeps;
    let blobs: BlobServiceClient;
    let dataContainer: string;
    const besRequests: unknown[] = [];

    before(async () => {
        const storage = await testStorage();
        blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        studio = await startStudio({ seed });
        dataContainer = uniqueName('data');
        const config = validateConfig({
            storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
            targets: [churnTarget({ studioUrl: studio.url, dataContainer, modelsContainer: uniqueName('models') })],
        });
        deps = {
            config,
            blobs,
            runs: new RunStore(blobs.getContainerClient(uniqueName('runs'))),
            bes: (t) =>
                new BatchExecutionClient(besTrainingOf(t).besUrl, demoSettings.CHURN_TRAINING_KEY, {
                    onRequest: (r) => void besRequests.push(r.body),
                }),
            classic: () => assert.fail('not used'),
            arm: () => assert.fail('not used'),
            scoring: () => assert.fail('not used'),
            azureml: () => assert.fail('not used'),
            datastore: () => assert.fail('not used'),
            deploymentMetrics: () => assert.fail('not used'),
            now: () => new Date(),
        };
        await deps.runs.ensure();
        const data = blobs.getContainerClient(dataContainer);
        await data.create();
        for (const [name, s] of [
            ['churn/2026-01.csv', 11],
            ['churn/2026-02.csv', 12],
        ] as const) {
            const text = await toText(classificationCsv({ rows: 1500, seed: s }));
            await data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
        }
        await data.getBlockBlobClient('houses/other.csv').upload('a,b\n1,2\n', 8);
        await data.getBlockBlobClient('churn/empty.csv').upload('', 0);
    });
    after(() => studio.close());

    function waitForEnd(jobId: string): Promise<JobStatus> {
        return eventually(async () => {
            const s = await getJobStatus(deps, { target: 'churn', jobId });
            return s.state !== 'NotStarted' && s.state !== 'Running' ? s : undefined;
        }, `job ${jobId} to end`);
    }

    let manifest: ManifestSnapshot;
    it('snapshots only the target’s non-empty data files, with a stable run key', async () => {
        manifest = await snapshotManifest(deps, { target: 'churn', trigger: { kind: 'http' } });
        assert.deepEqual(
            manifest.blobs.map((b) => b.name),
            ['churn/2026-01.csv', 'churn/2026-02.csv'],
        );
        assert.equal(manifest.previousRunId, undefined);
        const again = await snapshotManifest(deps, { target: 'churn', trigger: { kind: 'blob', blobName: 'x' } });
        assert.equal(again.runKey, manifest.runKey);
        await assert.rejects(
            snapshotManifest(deps, { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/nope.csv'] } }),
            /churn\/nope.csv/,
        );
    });

    it('merges the files, trains through BES with blob-scoped SAS only, and is idempotent per run', async () => {
        const input = { target: 'churn', runId: 'run-1', manifest, globalParameters: {} };
        const job = acted(await submitJob(deps, input));
        const status = await waitForEnd(job.jobId);
        assert.equal(status.state, 'Finished', status.details);
        const models = blobs.getContainerClient(deps.config.targets[0].modelOutput.container);
        const merged = (await models.getBlobClient('churn/run-1/training.csv').downloadToBuffer()).toString();
        const lines = merged.trim().split('\n');
        assert.equal(lines.length, 3001, 'one header and every row of both files');
        assert.equal(lines.filter((l) => l.startsWith('tenure,')).length, 1);
        assert.ok(await models.getBlobClient('churn/run-1/model.ilearner').exists());

        const sent = JSON.stringify(besRequests[0]);
        assert.doesNotMatch(sent, /AccountKey|ConnectionString/, 'BES never gets the account key');
        const inputRef = (besRequests[0] as { Inputs: Record<string, { SasBlobToken: string }> }).Inputs.input1;
        assert.match(inputRef.SasBlobToken, /sr=b/, 'the SAS covers one blob');
        assert.match(inputRef.SasBlobToken, /sp=r(&|$)/, 'read-only for the input');
        const se = new URLSearchParams(inputRef.SasBlobToken.slice(1)).get('se')!;
        assert.ok(Date.parse(se) - Date.now() <= deps.config.targets[0].job.deadlineInMs + 31 * 60_000, 'short-lived');

        const submitsBefore = studio.stats().operations.submitJob;
        const retried = acted(await submitJob(deps, input));
        assert.equal(retried.jobId, job.jobId);
        assert.equal(studio.stats().operations.submitJob, submitsBefore, 'a retried activity submits nothing');
    });

    it('reports a failing job with the service’s reason, and cancels on request', async () => {
        studio.faults.set('churn-training', { jobFailure: 'Simulated module failure' });
        try {
            const failed = acted(
                await submitJob(deps, { target: 'churn', runId: 'run-2', manifest, globalParameters: {} }),
            );
            const status = await waitForEnd(failed.jobId);
            assert.deepEqual(status, { state: 'Failed', details: 'Simulated module failure' });
        } finally {
            studio.faults.clear('churn-training');
        }
        studio.faults.set('churn-training', { jobNeverFinishes: true });
        try {
            const stuck = acted(
                await submitJob(deps, { target: 'churn', runId: 'run-3', manifest, globalParameters: {} }),
            );
            await cancelJob(deps, { target: 'churn', jobId: stuck.jobId });
            assert.equal((await waitForEnd(stuck.jobId)).state, 'Cancelled');
        } finally {
            studio.faults.clear('churn-training');
        }
    });
});
