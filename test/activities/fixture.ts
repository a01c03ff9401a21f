import { BlobServiceClient } from '@azure/storage-blob';

import { ActivityDeps } from '../../src/activities/deps';
import { getJobStatus } from '../../src/activities/jobStatus';
import { BatchExecutionClient, ClassicEndpointClient, ScoringClient, WebServiceClient } from '../../src/clients';
import { EmulatorCredential } from '../../src/local/studio/emulatorCredential';
import type { StudioServer } from '../../src/local/studio/server';
import type { JobStatus } from '../../src/orchestrators/contracts';
import { besTrainingOf, scoringOf, validateConfig } from '../../src/retraining/config';
import { RunStore } from '../../src/retraining/runStore';
import { eventually, startStudio, testStorage, uniqueName } from '../helpers/environment';
import { arm, churnTarget, demoSettings, housesTarget, retrainedKey, seed } from '../helpers/demoTargets';

export interface PipelineFixture {
    studio: StudioServer;
    blobs: BlobServiceClient;
    deps: ActivityDeps;
    dataContainer: string;
    modelsContainer: string;
    /** Waits for a BES job to end, polling the activity (test-only loop). */
    waitForJob(target: string, jobId: string): Promise<JobStatus>;
    close(): Promise<void>;
}

/**
 * Azurite + the studio emulator seeded with the demo services, and activity dependencies built
 * from real clients: target `churn` updates the classic endpoint `retrained`, target `houses` the
 * ARM web service.
 */
export async function startPipeline(
    gate: unknown = { thresholds: [{ metric: 'AUC', threshold: 0.7 }] },
): Promise<PipelineFixture> {
    const storage = await testStorage();
    const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
    const studio = await startStudio({ seed });
    const dataContainer = uniqueName('data');
    const modelsContainer = uniqueName('models');
    const where = { studioUrl: studio.url, dataContainer, modelsContainer };
    const config = validateConfig({
        storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
        targets: [churnTarget(where, { gate }), housesTarget(where)],
    });
    const notAzureMl = (): never => {
        throw new Error('the pipeline fixture has no Azure ML v2 target');
    };
    const deps: ActivityDeps = {
        config,
        blobs,
        runs: new RunStore(blobs.getContainerClient(uniqueName('runs'))),
        bes: (t) => new BatchExecutionClient(besTrainingOf(t).besUrl, demoSettings[besTrainingOf(t).apiKeySetting]),
        classic: () =>
            new ClassicEndpointClient(studio.url, 'ws-demo', 'churn-predictive', retrainedKey, {
                defaultEndpointName: 'default',
            }),
        arm: () =>
            new WebServiceClient(
                studio.url,
                arm.subscriptionId,
                arm.resourceGroup,
                new EmulatorCredential(seed.armTokenSecret),
            ),
        scoring: (t) =>
            new ScoringClient(scoringOf(t).apiLocation, t.name === 'churn' ? retrainedKey : arm.keys.primary),
        azureml: notAzureMl,
        datastore: notAzureMl,
        deploymentMetrics: notAzureMl,
        now: () => new Date(),
    };
    await deps.runs.ensure();
    await blobs.getContainerClient(dataContainer).create();
    return {
        studio,
        blobs,
        deps,
        dataContainer,
        modelsContainer,
        waitForJob: (target, jobId) =>
            eventually(async () => {
                const s = await getJobStatus(deps, { target, jobId });
                return s.state !== 'NotStarted' && s.state !== 'Running' ? s : undefined;
            }, `job ${jobId} to end`),
        close: () => studio.close(),
    };
}

export async function upload(fx: PipelineFixture, name: string, text: string): Promise<void> {
    await fx.blobs.getContainerClient(fx.dataContainer).getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
}
