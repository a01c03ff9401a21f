import { BlobServiceClient } from '@azure/storage-blob';

import { AzureMlClient, OperationHandle, isAzureMlError, jobModelUri } from '../../clients/azureml';
import { classificationCsv, toText } from '../samples';
import { EmulatorCredential } from '../studio/emulatorCredential';
import type { AzureMlWorkspaceSeed } from '../studio/seed';

/** What `npm start` puts in the demo Azure ML v2 workspace when its endpoint is not there yet. */
export const DEMO_AZUREML = {
    endpoint: 'churn-online',
    deployment: 'blue',
    model: 'churn',
    version: '1',
    job: 'demo-churn-initial',
    dataPath: 'demo/churn-initial.csv',
    rows: 600,
    dataSeed: 7,
} as const;

/** Where the demo workspace is and what it serves, once seeded. */
export interface DemoAzureMl {
    subscriptionId: string;
    resourceGroup: string;
    workspace: string;
    endpoint: string;
    /** True when this start created it; false when an earlier start (or a promotion since) left it there. */
    created: boolean;
}

export interface DemoAzureMlOptions {
    studioUrl: string;
    /** The studio's `armTokenSecret` (the offline credential mints tokens with it). */
    armTokenSecret: string;
    /** The seed's first `azureml` workspace; its first environment trains the initial model. */
    workspace: AzureMlWorkspaceSeed;
    storageConnectionString: string;
    /** How long one wait (the training job, each operation) may take (default 5 minutes). */
    timeoutInMs?: number;
    log?: (line: string) => void;
}

async function poll<T>(what: string, timeoutInMs: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutInMs;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutInMs} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

/**
 * Seeds the demo Azure ML v2 target's serving side through the emulator's own v2 API (so what is
 * there is what the service would hold): sample churn data on the workspace datastore, a command
 * job that trains on it, model version `churn:1` from the job's output, the online endpoint
 * `churn-online` and its deployment `blue` of that model at 100% traffic. It does nothing when the
 * endpoint exists already, so a restart never undoes a promotion (the state persists).
 * @throws Error naming the step (and the emulator's message) when the job or an operation fails or
 *   takes longer than `timeoutInMs`.
 */
export async function seedDemoAzureMl(options: DemoAzureMlOptions): Promise<DemoAzureMl> {
    const ws = options.workspace;
    const d = DEMO_AZUREML;
    const timeoutInMs = options.timeoutInMs ?? 300_000;
    const log = options.log ?? (() => undefined);
    const ref = { subscriptionId: ws.subscriptionId, resourceGroup: ws.resourceGroup, workspace: ws.name };
    const out: DemoAzureMl = { ...ref, endpoint: d.endpoint, created: false };
    const client = new AzureMlClient(ref, new EmulatorCredential(options.armTokenSecret), {
        endpoint: options.studioUrl.replace(/\/+$/, ''),
    });
    try {
        await client.getEndpoint(d.endpoint);
        return out;
    } catch (err) {
        if (!(isAzureMlError(err) && err.statusCode === 404)) throw err;
    }
    const environment = ws.environments[0]?.id;
    if (!environment) throw new Error(`The seed's Azure ML workspace '${ws.name}' has no environment to train with`);
    const container = ws.datastores.workspaceblobstore;
    if (!container) throw new Error(`The seed's Azure ML workspace '${ws.name}' has no 'workspaceblobstore' datastore`);

    log(`Seeding the demo Azure ML v2 endpoint ${d.endpoint} (training ${d.model}:${d.version})...`);
    const datastore = BlobServiceClient.fromConnectionString(options.storageConnectionString).getContainerClient(
        container,
    );
    await datastore.createIfNotExists();
    const csv = await toText(classificationCsv({ rows: d.rows, seed: d.dataSeed }));
    await datastore.getBlockBlobClient(d.dataPath).upload(csv, Buffer.byteLength(csv));
    await client.submitCommandJob({
        name: d.job,
        environmentId: environment,
        command: 'python train.py --data ${{inputs.training_data}}',
        trainingDataUri: `azureml://datastores/workspaceblobstore/paths/${d.dataPath}`,
        displayName: 'Retrainer demo: initial churn model',
    });
    const job = await poll(`job ${d.job}`, timeoutInMs, async () => {
        const j = await client.getJob(d.job);
        return ['Completed', 'Failed', 'Canceled'].includes(j.status) ? j : undefined;
    });
    if (job.status !== 'Completed')
        throw new Error(
            `The demo's initial training job ${d.job} ended ${job.status}: ${job.error ?? 'no reason given'}`,
        );
    const model = await client.createModelVersion({
        name: d.model,
        version: d.version,
        modelUri: jobModelUri(job),
        jobName: d.job,
        description: 'The demo Azure ML v2 target starts serving this model.',
    });
    const settle = async (step: string, handle: OperationHandle): Promise<void> => {
        const p = await poll(step, timeoutInMs, async () => {
            const progress = await client.pollOperation(handle);
            return progress.status === 'InProgress' ? undefined : progress;
        });
        if (p.status !== 'Succeeded') throw new Error(`The demo's ${step} failed: ${p.error ?? 'no reason given'}`);
    };
    await settle(`endpoint ${d.endpoint}`, await client.beginCreateEndpoint(d.endpoint, ws.location));
    await settle(
        `deployment ${d.endpoint}/${d.deployment}`,
        await client.beginCreateDeployment({
            endpoint: d.endpoint,
            deployment: d.deployment,
            location: ws.location,
            modelId: model.id,
            instanceType: 'Standard_DS3_v2',
            instanceCount: 1,
        }),
    );
    await settle(
        `traffic ${d.deployment}=100`,
        await client.beginSetTraffic(d.endpoint, () => ({ [d.deployment]: 100 })),
    );
    log(`Demo Azure ML v2 endpoint ${d.endpoint} serves ${d.model}:${d.version} from deployment ${d.deployment}.`);
    return { ...out, created: true };
}
