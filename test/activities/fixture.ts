import { readFileSync } from 'node:fs';

import { BlobServiceClient } from '@azure/storage-blob';

import { ActivityDeps } from '../../src/activities/deps';
import { getJobStatus } from '../../src/activities/jobStatus';
import {
    BatchExecutionClient,
    ClassicEndpointClient,
    EmulatorCredential,
    ScoringClient,
    WebServiceClient,
} from '../../src/clients';
import { StudioServer } from '../../src/local/studio/server';
import type { JobStatus } from '../../src/orchestrators/contracts';
import { validateConfig } from '../../src/retraining/config';
import { RunStore } from '../../src/retraining/runStore';
import { testStorage, uniqueName } from '../helpers/azurite';

interface DemoSeed {
    armTokenSecret: string;
    workspaces: { authorizationToken: string }[];
    trainingServices: { serviceId: string; apiKey: string }[];
    classicWebServices: { endpoints: { name: string; primaryKey: string }[] }[];
    armWebServices: { subscriptionId: string; resourceGroup: string; serviceId: string; keys: { primary: string } }[];
}

export const seed = JSON.parse(readFileSync('studio.seed.json', 'utf8')) as DemoSeed;
const key = (serviceId: string) => seed.trainingServices.find((t) => t.serviceId === serviceId)!.apiKey;
const retrainedKey = seed.classicWebServices[0].endpoints.find((e) => e.name === 'retrained')!.primaryKey;
const arm = seed.armWebServices[0];

export const CHURN_FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];

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
    const studio = await StudioServer.start({
        storageConnectionString: storage.connectionString,
        seed,
        log: () => undefined,
    });
    const dataContainer = uniqueName('data');
    const modelsContainer = uniqueName('models');
    const base = (name: string) => ({
        data: { container: dataContainer, prefixPattern: `${name}/*.csv`, labelColumn: 'x', featureColumns: ['y'] },
        modelOutput: { container: modelsContainer },
        job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 50, pollMaxIntervalInMs: 200 },
    });
    const config = validateConfig({
        storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
        targets: [
            {
                name: 'churn',
                ...base('churn'),
                training: { besUrl: `${studio.url}/workspaces/ws-demo/services/churn-training`, apiKeySetting: 'K1' },
                update: {
                    kind: 'classic',
                    managementUrl: studio.url,
                    workspaceId: 'ws-demo',
                    webServiceId: 'churn-predictive',
                    endpointName: 'retrained',
                    defaultEndpointName: 'default',
                    apiKeySetting: 'K2',
                    trainedModelName: 'Churn Model [trained model]',
                },
                scoring: {
                    apiLocation: `${studio.url}/workspaces/ws-demo/services/churn-retrained`,
                    apiKeySetting: 'K2',
                },
                gate,
                smokeTest: {
                    rows: [
                        {
                            input: { tenure: 70, monthly_charges: 25, support_calls: 0, contract_months: 24 },
                            expected: { 'Scored Labels': '0' },
                        },
                        {
                            input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
                            expected: { 'Scored Labels': '1' },
                        },
                    ],
                },
            },
            {
                name: 'houses',
                ...base('houses'),
                training: { besUrl: `${studio.url}/workspaces/ws-demo/services/houses-training`, apiKeySetting: 'K3' },
                update: {
                    kind: 'arm',
                    armBaseUrl: studio.url,
                    subscriptionId: arm.subscriptionId,
                    resourceGroup: arm.resourceGroup,
                    webServiceName: 'houses-arm',
                    trainedModelName: 'Houses Model [trained model]',
                    credential: { kind: 'emulator', secretSetting: 'K4' },
                    pollIntervalInMs: 50,
                    timeoutInMs: 20_000,
                },
                scoring: {
                    apiLocation: `${studio.url}/subscriptions/${arm.subscriptionId}/services/${arm.serviceId}`,
                    apiKeySetting: 'K5',
                },
                gate: { thresholds: [{ metric: 'Coefficient of Determination', threshold: 0.5 }] },
            },
        ],
    });
    const deps: ActivityDeps = {
        config,
        blobs,
        runs: new RunStore(blobs.getContainerClient(uniqueName('runs'))),
        bes: (t) =>
            new BatchExecutionClient(t.training.besUrl, key(t.name === 'churn' ? 'churn-training' : 'houses-training')),
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
        scoring: (t) => new ScoringClient(t.scoring.apiLocation, t.name === 'churn' ? retrainedKey : arm.keys.primary),
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
        waitForJob: async (target, jobId) => {
            for (let i = 0; i < 600; i++) {
                const s = await getJobStatus(deps, { target, jobId });
                if (s.state !== 'NotStarted' && s.state !== 'Running') return s;
                await new Promise((r) => setTimeout(r, 50));
            }
            throw new Error('job did not end');
        },
        close: () => studio.close(),
    };
}

export async function upload(fx: PipelineFixture, name: string, text: string): Promise<void> {
    await fx.blobs.getContainerClient(fx.dataContainer).getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
}
