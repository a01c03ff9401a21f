import { BlobServiceClient } from '@azure/storage-blob';

import { BatchExecutionClient } from '../../src/clients/bes/batchExecutionClient';
import { BatchJob, TERMINAL_JOB_STATUSES } from '../../src/clients/bes/types';
import type { ClientLogger } from '../../src/clients/log';
import type { StudioServer } from '../../src/local/studio/server';
import { eventually, startStudio as startEmulator, testStorage, TestStorage, uniqueName } from '../helpers/environment';
import { churnCsv } from './trainingData';

/** Every secret the seed holds: tests assert none of them ever surfaces in errors or logs. */
export const SECRETS = {
    adminKey: 'contract-admin-key-7f3a9c',
    armTokenSecret: 'contract-arm-token-secret-51d2e8',
    workspaceToken: 'contract-workspace-token-a81c44',
    trainingKey: 'contract-training-key-0b9e27',
    trainingNumericKey: 'contract-training-num-key-77ad10',
    defaultPrimary: 'contract-default-primary-4c5f61',
    defaultSecondary: 'contract-default-secondary-9e0d33',
    armPrimary: 'contract-arm-primary-key-2f8b90',
    armSecondary: 'contract-arm-secondary-key-6a1c05',
} as const;

export const WORKSPACE = 'ws-contract';
export const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
export const RESOURCE_GROUP = 'rg-contract';
export const ARM_SERVICE = 'churn-arm';
export const ARM_SERVICE_ID = '0123456789abcdef0123456789abcdef';
export const CLASSIC_SERVICE = 'churn-predictive';
export const TRAINED_MODEL = 'Churn Model [trained model]';

/**
 * How many calls of `operation` the emulator counted. `GET /_studio/stats` reports counters per
 * operation; the exact nesting is the emulator's, so take the largest counter under that name.
 */
export async function callCount(fx: StudioFixture, operation: string): Promise<number> {
    const stats: unknown = await Promise.resolve(fx.studio.stats());
    let best = 0;
    const visit = (v: unknown): void => {
        if (typeof v !== 'object' || v === null) return;
        for (const [k, x] of Object.entries(v)) {
            if (k === operation && typeof x === 'number') best = Math.max(best, x);
            else visit(x);
        }
    };
    visit(stats);
    return best;
}

export interface StudioFixture {
    url: string;
    studio: StudioServer;
    storage: TestStorage;
    dataContainer: string;
    modelsContainer: string;
    /** `container/blob` of the uploaded training CSV. */
    trainingInput: string;
    besUrl(serviceId?: string): string;
}

export function seed(): Record<string, unknown> {
    const experiment = {
        algorithm: 'two-class-logistic-regression' as const,
        labelColumn: 'churned',
        featureColumns: ['tenure', 'charges'],
        positiveLabel: '1',
    };
    return {
        adminKey: SECRETS.adminKey,
        armTokenSecret: SECRETS.armTokenSecret,
        workspaces: [{ id: WORKSPACE, authorizationToken: SECRETS.workspaceToken }],
        trainingServices: [
            {
                workspaceId: WORKSPACE,
                serviceId: 'churn-training',
                apiKey: SECRETS.trainingKey,
                statusCodeFormat: 'string',
                experiment,
            },
            {
                workspaceId: WORKSPACE,
                serviceId: 'churn-training-num',
                apiKey: SECRETS.trainingNumericKey,
                statusCodeFormat: 'number',
                experiment,
            },
        ],
        classicWebServices: [
            {
                workspaceId: WORKSPACE,
                id: CLASSIC_SERVICE,
                name: 'Churn [Predictive Exp.]',
                trainedModelName: TRAINED_MODEL,
                experimentServiceId: 'churn-training',
                endpoints: [
                    {
                        name: 'default',
                        serviceId: 'churn-default',
                        primaryKey: SECRETS.defaultPrimary,
                        secondaryKey: SECRETS.defaultSecondary,
                    },
                ],
            },
        ],
        armWebServices: [
            {
                subscriptionId: SUBSCRIPTION,
                resourceGroup: RESOURCE_GROUP,
                name: ARM_SERVICE,
                location: 'West US',
                serviceId: ARM_SERVICE_ID,
                trainedModelName: TRAINED_MODEL,
                experimentServiceId: 'churn-training',
                keys: { primary: SECRETS.armPrimary, secondary: SECRETS.armSecondary },
            },
        ],
    };
}

/** Azurite (shared or private) + a studio emulator on a free port, closed after the file. */
export async function startStudio(): Promise<StudioFixture> {
    const storage = await testStorage();
    const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
    const dataContainer = uniqueName('data');
    const modelsContainer = uniqueName('models');
    await blobs.createContainer(dataContainer);
    await blobs.createContainer(modelsContainer);
    const csv = churnCsv();
    await blobs
        .getContainerClient(dataContainer)
        .getBlockBlobClient('churn/train.csv')
        .upload(csv, Buffer.byteLength(csv));
    const studio = await startEmulator({ seed: seed() });
    const url = studio.url.replace(/\/+$/, '');
    return {
        url,
        studio,
        storage,
        dataContainer,
        modelsContainer,
        trainingInput: `${dataContainer}/churn/train.csv`,
        besUrl: (serviceId = 'churn-training') => `${url}/workspaces/${WORKSPACE}/services/${serviceId}`,
    };
}

/** A logger that keeps every line (verbose included) so tests can search them for secrets. */
export function capturingLogger(): { lines: string[]; logger: ClientLogger } {
    const lines: string[] = [];
    const push = (m: string): void => void lines.push(m);
    return { lines, logger: { error: push, warning: push, info: push, verbose: push } };
}

/** Submits and starts a training job writing under `models/{runId}/`, then polls until it ends. */
export async function trainModel(
    fx: StudioFixture,
    client: BatchExecutionClient,
    runId = uniqueName('run'),
): Promise<BatchJob> {
    const jobId = await client.submitJob({
        Inputs: { input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput } },
        Outputs: {
            output1: {
                ConnectionString: fx.storage.connectionString,
                RelativeLocation: `${fx.modelsContainer}/${runId}/model.ilearner`,
            },
            output2: {
                ConnectionString: fx.storage.connectionString,
                RelativeLocation: `${fx.modelsContainer}/${runId}/evaluation.csv`,
            },
        },
    });
    await client.startJob(jobId);
    return waitForJob(client, jobId);
}

/** Polls the job until it ends (the bound only names a hang). */
export function waitForJob(client: BatchExecutionClient, jobId: string): Promise<BatchJob> {
    return eventually(
        async () => {
            const job = await client.getJob(jobId);
            return TERMINAL_JOB_STATUSES.has(job.status) ? job : undefined;
        },
        `job ${jobId} to finish`,
        60_000,
        25,
    );
}
