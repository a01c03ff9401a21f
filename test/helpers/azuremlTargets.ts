import assert from 'node:assert/strict';

import { BlobServiceClient } from '@azure/storage-blob';

import { AzureMlClient, OperationHandle } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import { EmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { registerEmulatorDeploymentMetrics } from '../../src/local/studio/emulatorDeploymentMetrics';
import { CHURN_FEATURES, CHURN_SMOKE_TEST, seed, Where } from './demoTargets';
import { eventually } from './environment';

// The targets name the offline stack's `emulator` live-metrics kind (the dev host registers it too).
registerEmulatorDeploymentMetrics();

/** App settings the Azure ML targets name beyond the demo ones: the studio's admin key (live metrics). */
export const azureMlSettings: Record<string, string> = {
    STUDIO_ADMIN_KEY: (seed as unknown as { adminKey: string }).adminKey,
};

/** The Azure ML v2 workspace the e2e tests add to the demo seed. */
export const WORKSPACE = {
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    resourceGroup: 'retrainer-demo',
    name: 'ws-v2-e2e',
};
export const LOCATION = 'westeurope';
export const ENVIRONMENT = 'azureml:retrainer-churn:1';
export const FEATURES = CHURN_FEATURES;
/** The churn smoke test's rows as FEATURES-ordered values: a churn model labels them 0 and 1. */
export const GOLDEN_ROWS: number[][] = CHURN_SMOKE_TEST.rows.map((r) =>
    FEATURES.map((f) => r.input[f as keyof typeof r.input]),
);

/** The demo seed plus one v2 workspace whose default datastore is `datastoreContainer`. */
export function seedWithWorkspace(datastoreContainer: string): Record<string, unknown> {
    const demo = seed as unknown as Record<string, unknown> & { trainingServices: { experiment: unknown }[] };
    return {
        ...demo,
        azureml: [
            {
                ...WORKSPACE,
                location: LOCATION,
                datastores: { workspaceblobstore: datastoreContainer },
                environments: [{ id: ENVIRONMENT, experiment: demo.trainingServices[0].experiment }],
            },
        ],
    };
}

/** Where the Azure ML target lives beside the usual containers. */
export interface AzureMlWhere extends Where {
    datastoreContainer: string;
}

const fast = {
    debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 },
    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
};

/** A churn target of kind `azureml` on `endpoint`, with golden rows and fast rollout timings. */
export function azureMlTarget(
    w: AzureMlWhere,
    name: string,
    endpoint: string,
    overrides: { rollout?: Record<string, unknown>; keepDeployments?: number; smokeTest?: unknown } = {},
): Record<string, unknown> {
    return {
        name,
        data: {
            container: w.dataContainer,
            prefixPattern: `${name}/*.csv`,
            labelColumn: 'churned',
            featureColumns: FEATURES,
        },
        modelOutput: { container: w.modelsContainer },
        update: {
            kind: 'azureml',
            armBaseUrl: w.studioUrl,
            workspace: WORKSPACE,
            credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' },
            datastore: { container: w.datastoreContainer },
            // The offline stack's live-metrics kind: the studio's per-deployment counters over the bake.
            liveMetrics: { kind: 'emulator', studioUrl: w.studioUrl, adminKeySetting: 'STUDIO_ADMIN_KEY' },
            endpoint,
            deploymentPrefix: name,
            job: {
                environmentId: ENVIRONMENT,
                command: 'python train.py --data ${{inputs.training_data}}',
            },
            rollout: {
                stepsInPercent: [10, 50, 100],
                bakeInMs: 300,
                pollIntervalInMs: 100,
                operationTimeoutInMs: 30_000,
                liveChecks: { maxErrorRate: 0.01, maxLatencyInMs: 10_000 },
                ...overrides.rollout,
            },
            keepDeployments: overrides.keepDeployments ?? 1,
        },
        gate: { thresholds: [{ metric: 'AUC', threshold: 0.7 }] },
        smokeTest: overrides.smokeTest ?? CHURN_SMOKE_TEST,
        ...fast,
    };
}

/** An AzureMlClient on the test workspace of the studio at `studioUrl`. */
export function workspaceClient(studioUrl: string): AzureMlClient {
    return new AzureMlClient(
        { subscriptionId: WORKSPACE.subscriptionId, resourceGroup: WORKSPACE.resourceGroup, workspace: WORKSPACE.name },
        new EmulatorCredential(seed.armTokenSecret),
        { endpoint: studioUrl.replace(/\/+$/, '') },
    );
}

/**
 * Waits until the operation behind `handle` has ended (bounded by `eventually`: a hang, not a slow
 * machine, fails).
 *
 * @throws Error when it ended other than Succeeded, with the service's error.
 */
export async function operationDone(client: AzureMlClient, handle: OperationHandle): Promise<void> {
    const done = await eventually(
        async () => {
            const p = await client.pollOperation(handle);
            return p.status === 'InProgress' ? undefined : p;
        },
        `operation on ${handle.endpoint}`,
        120_000,
    );
    if (done.status !== 'Succeeded') throw new Error(`setup operation failed: ${done.error}`);
}

/**
 * What a user has before Retrainer takes over: a trained model (its own command job) registered as
 * version `initial` of model `name`. Returns the model version's id.
 */
async function registerInitialModel(
    client: AzureMlClient,
    storage: string,
    datastoreContainer: string,
    name: string,
): Promise<string> {
    const datastore = BlobServiceClient.fromConnectionString(storage).getContainerClient(datastoreContainer);
    await datastore.createIfNotExists();
    const text = await toText(classificationCsv({ rows: 600, seed: 4242 }));
    await datastore.getBlockBlobClient('initial/data.csv').upload(text, Buffer.byteLength(text));
    const job = await client.submitCommandJob({
        name: `initial-${name}`,
        environmentId: ENVIRONMENT,
        command: 'python train.py',
        trainingDataUri: 'azureml://datastores/workspaceblobstore/paths/initial/data.csv',
    });
    const done = await eventually(
        async () => {
            const j = await client.getJob(job.name);
            return ['Completed', 'Failed', 'Canceled'].includes(j.status) ? j : undefined;
        },
        `initial job ${job.name}`,
        120_000,
    );
    if (done.status !== 'Completed') throw new Error(`initial job ended ${done.status}: ${done.error}`);
    const v = await client.createModelVersion({ name, version: 'initial', modelUri: done.outputs.model });
    return v.id;
}

/** An endpoint whose deployment `blue` serves `modelId` with all the traffic. */
async function servingEndpoint(client: AzureMlClient, endpoint: string, modelId: string): Promise<void> {
    await operationDone(client, await client.beginCreateEndpoint(endpoint, LOCATION));
    await operationDone(
        client,
        await client.beginCreateDeployment({ endpoint, deployment: 'blue', location: LOCATION, modelId }),
    );
    await operationDone(client, await client.beginSetTraffic(endpoint, () => ({ blue: 100 })));
}

/**
 * The workspace of the studio at `studioUrl` as a user has it before Retrainer takes over: the
 * user's own model (`users-model` version `initial`, trained by its own command job on data in
 * `datastoreContainer` of `storage`) served by deployment `blue` with all the traffic of each of
 * `endpoints`. Returns a client on the workspace.
 */
export async function usersWorkspace(
    studioUrl: string,
    storage: string,
    datastoreContainer: string,
    endpoints: readonly string[],
): Promise<AzureMlClient> {
    const client = workspaceClient(studioUrl);
    const initial = await registerInitialModel(client, storage, datastoreContainer, 'users-model');
    for (const endpoint of endpoints) await servingEndpoint(client, endpoint, initial);
    return client;
}

/**
 * Every traffic map `endpoint` shows while `during` runs (sampled every 25 ms, each change once),
 * with what `during` resolved to.
 */
export async function trafficSeen<T>(
    client: AzureMlClient,
    endpoint: string,
    during: () => Promise<T>,
): Promise<{ result: T; maps: Record<string, number>[] }> {
    const maps: Record<string, number>[] = [];
    let stop = false;
    // Samples until `during` has ended (its own bound stops a hang; this one only backs it up).
    const sampler = eventually(
        async () => {
            const t = (await client.getEndpoint(endpoint)).traffic;
            const last = maps.at(-1);
            if (!last || JSON.stringify(last) !== JSON.stringify(t)) maps.push(t);
            return stop ? true : undefined;
        },
        `the traffic sampler of ${endpoint} to stop`,
        900_000,
        25,
    );
    try {
        return { result: await during(), maps };
    } finally {
        stop = true;
        await sampler;
    }
}

/** Asserts that `endpoint` answers GOLDEN_ROWS from `deployment`, labelled 0 and 1. */
export async function assertServesGolden(client: AzureMlClient, endpoint: string, deployment: string): Promise<void> {
    const end = await client.getEndpoint(endpoint);
    const key = await client.getEndpointKey(endpoint);
    const scored = await client.score({ scoringUri: end.scoringUri!, key, columns: FEATURES, rows: GOLDEN_ROWS });
    assert.equal(scored.deployment, deployment);
    assert.deepEqual(
        scored.predictions.map((p) => p['Scored Labels']),
        ['0', '1'],
    );
}

/**
 * Scores GOLDEN_ROWS through `endpoint` back to back while `during` runs (live traffic for a bake's
 * checks; a failed call is what the checks count, so it is not thrown), then returns what `during`
 * resolved to.
 */
export async function scoringWhile<T>(client: AzureMlClient, endpoint: string, during: () => Promise<T>): Promise<T> {
    const end = await client.getEndpoint(endpoint);
    const key = await client.getEndpointKey(endpoint);
    let live = true;
    const traffic = (async () => {
        while (live) {
            await client
                .score({ scoringUri: end.scoringUri!, key, columns: FEATURES, rows: GOLDEN_ROWS })
                .catch(() => undefined);
        }
    })();
    try {
        return await during();
    } finally {
        live = false;
        await traffic;
    }
}
