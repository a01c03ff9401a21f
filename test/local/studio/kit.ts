import { Readable } from 'node:stream';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { mintEmulatorToken } from '../../../src/local/studio/emulatorCredential';
import { classificationCsv, toText } from '../../../src/local/samples';
import type { StudioServer } from '../../../src/local/studio/server';
import { trainExperiment } from '../../../src/local/studio/training';
import { eventually, startStudio, TestStorage, testStorage, uniqueName } from '../../helpers/environment';

/** Every secret of the test seed, so tests can look for them where they must not be. */
export const KEYS = {
    admin: 'studio-test-admin-key-31f0a2',
    armSecret: 'studio-test-arm-secret-8c14d7',
    workspace: 'studio-test-workspace-token-5e92b0',
    training: 'studio-test-training-key-a7c3e1',
    trainingNum: 'studio-test-training-num-key-4d81f6',
    defaultPrimary: 'studio-test-default-primary-0b6e49',
    defaultSecondary: 'studio-test-default-secondary-e25c70',
    retrainedPrimary: 'studio-test-retrained-primary-97d1a3',
    retrainedSecondary: 'studio-test-retrained-secondary-6f40c8',
    armPrimary: 'studio-test-arm-primary-c3b85e',
    armSecondary: 'studio-test-arm-secondary-1a7d92',
} as const;

export const WS = 'ws-test';
export const SUB = '00000000-0000-0000-0000-000000000000';
export const RG = 'rg-test';
export const ARM_NAME = 'churn-arm';
export const ARM_SERVICE_ID = 'fedcba9876543210fedcba9876543210';
export const TRAINED_MODEL = 'Churn Model [trained model]';
export const FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];

const experiment = {
    algorithm: 'two-class-logistic-regression' as const,
    labelColumn: 'churned',
    featureColumns: FEATURES,
    positiveLabel: '1',
};

export function testSeed(initialModel?: string): Record<string, unknown> {
    return {
        adminKey: KEYS.admin,
        armTokenSecret: KEYS.armSecret,
        workspaces: [{ id: WS, authorizationToken: KEYS.workspace }],
        trainingServices: [
            { workspaceId: WS, serviceId: 'churn-training', apiKey: KEYS.training, experiment },
            {
                workspaceId: WS,
                serviceId: 'churn-training-num',
                apiKey: KEYS.trainingNum,
                statusCodeFormat: 'number',
                experiment,
            },
        ],
        classicWebServices: [
            {
                workspaceId: WS,
                id: 'churn-predictive',
                name: 'Churn [Predictive Exp.]',
                trainedModelName: TRAINED_MODEL,
                experimentServiceId: 'churn-training',
                initialModel,
                endpoints: [
                    {
                        name: 'default',
                        serviceId: 'churn-default',
                        primaryKey: KEYS.defaultPrimary,
                        secondaryKey: KEYS.defaultSecondary,
                    },
                    {
                        name: 'retrained',
                        serviceId: 'churn-retrained',
                        primaryKey: KEYS.retrainedPrimary,
                        secondaryKey: KEYS.retrainedSecondary,
                    },
                ],
            },
        ],
        armWebServices: [
            {
                subscriptionId: SUB,
                resourceGroup: RG,
                name: ARM_NAME,
                location: 'West US',
                serviceId: ARM_SERVICE_ID,
                trainedModelName: TRAINED_MODEL,
                experimentServiceId: 'churn-training',
                keys: { primary: KEYS.armPrimary, secondary: KEYS.armSecondary },
            },
        ],
    };
}

/** Parsed JSON of a reply: tests read it as they expect it, and assertions catch a wrong shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJson = any;

export interface Reply {
    status: number;
    headers: Headers;
    /** Parsed JSON, or undefined for an empty body. */
    body: AnyJson;
}

export interface BlobLocation {
    BaseLocation: string;
    RelativeLocation: string;
    SasBlobToken: string;
}

export interface Kit {
    studio: StudioServer;
    url: string;
    storage: TestStorage;
    container: ContainerClient;
    /** Every line the emulator logged. */
    logs: string[];
    /** Raw HTTP against the emulator: `key` goes in `Authorization: Bearer`. */
    call(
        method: string,
        path: string,
        options?: { key?: string; body?: unknown; headers?: Record<string, string> },
    ): Promise<Reply>;
    /** Uploads text to the test container; returns `container/name`. */
    upload(name: string, text: string): Promise<string>;
    besBase(serviceId?: string): string;
    /** Submits (outputs under `container/{run}/`), starts, and waits for the end; returns the final status body. */
    runJob(input: string, options?: { serviceId?: string; key?: string; run?: string }): Promise<JobRun>;
    submit(
        input: string,
        options?: { serviceId?: string; key?: string; run?: string },
    ): Promise<{ jobId: string; run: string }>;
    waitJob(jobId: string, options?: { serviceId?: string; key?: string }): Promise<Reply>;
    close(): Promise<void>;
}

export interface JobRun {
    jobId: string;
    run: string;
    status: Reply;
    modelBlob: string;
    evaluationBlob: string;
}

export const TERMINAL = new Set(['Finished', 'Failed', 'Cancelled', 2, 3, 4]);

export async function startKit(
    options: {
        stateDir?: string;
        containerName?: string;
        initialModel?: string;
        seed?: Record<string, unknown>;
        /** The studio's clock (ms since the epoch); a test moves it instead of sleeping. */
        clock?: () => number;
    } = {},
): Promise<Kit> {
    const storage = await testStorage();
    const container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
        options.containerName ?? uniqueName('studio'),
    );
    await container.createIfNotExists();
    const logs: string[] = [];
    const studio = await startStudio({
        seed: options.seed ?? testSeed(options.initialModel),
        stateDir: options.stateDir,
        clock: options.clock,
        logs,
    });
    const url = studio.url.replace(/\/+$/, '');
    const call: Kit['call'] = async (method, path, o = {}) => {
        const headers: Record<string, string> = { ...(o.headers ?? {}) };
        if (o.key !== undefined) headers.authorization = `Bearer ${o.key}`;
        if (o.body !== undefined) headers['content-type'] = 'application/json';
        const res = await fetch(`${url}${path}`, {
            method,
            headers,
            body: o.body === undefined ? undefined : JSON.stringify(o.body),
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
    };
    const besBase = (serviceId = 'churn-training'): string => `/workspaces/${WS}/services/${serviceId}`;
    const keyOf = (serviceId: string): string =>
        serviceId === 'churn-training-num' ? KEYS.trainingNum : KEYS.training;
    const submit: Kit['submit'] = async (input, o = {}) => {
        const serviceId = o.serviceId ?? 'churn-training';
        const run = o.run ?? uniqueName('run');
        const ref = (relative: string) => ({ ConnectionString: storage.connectionString, RelativeLocation: relative });
        const res = await call('POST', `${besBase(serviceId)}/jobs?api-version=2.0`, {
            key: o.key ?? keyOf(serviceId),
            body: {
                Inputs: { input1: ref(input) },
                Outputs: {
                    output1: ref(`${container.containerName}/${run}/model.ilearner`),
                    output2: ref(`${container.containerName}/${run}/evaluation.csv`),
                },
                GlobalParameters: {},
            },
        });
        if (res.status !== 200) throw new Error(`submit: ${res.status} ${JSON.stringify(res.body)}`);
        return { jobId: res.body as string, run };
    };
    const waitJob: Kit['waitJob'] = async (jobId, o = {}) => {
        const serviceId = o.serviceId ?? 'churn-training';
        return eventually(
            async () => {
                const res = await call('GET', `${besBase(serviceId)}/jobs/${jobId}?api-version=2.0`, {
                    key: o.key ?? keyOf(serviceId),
                });
                return res.status === 200 && TERMINAL.has(res.body.StatusCode) ? res : undefined;
            },
            `job ${jobId} to end`,
            60_000,
            25,
        );
    };
    const runJob: Kit['runJob'] = async (input, o = {}) => {
        const serviceId = o.serviceId ?? 'churn-training';
        const { jobId, run } = await submit(input, o);
        const start = await call('POST', `${besBase(serviceId)}/jobs/${jobId}/start?api-version=2.0`, {
            key: o.key ?? keyOf(serviceId),
        });
        if (start.status !== 204) throw new Error(`start: ${start.status} ${JSON.stringify(start.body)}`);
        return {
            jobId,
            run,
            status: await waitJob(jobId, o),
            modelBlob: `${run}/model.ilearner`,
            evaluationBlob: `${run}/evaluation.csv`,
        };
    };
    return {
        studio,
        url,
        storage,
        container,
        logs,
        call,
        besBase,
        submit,
        waitJob,
        runJob,
        upload: async (name, text) => {
            await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
            return `${container.containerName}/${name}`;
        },
        close: () => studio.close(),
    };
}

export function blobUrl(loc: BlobLocation): string {
    const sas = loc.SasBlobToken.startsWith('?') ? loc.SasBlobToken : `?${loc.SasBlobToken}`;
    return `${loc.BaseLocation}${loc.RelativeLocation}${sas}`;
}

export function armToken(secret: string = KEYS.armSecret, expiresOn = Date.now() + 3_600_000): string {
    return mintEmulatorToken(secret, expiresOn);
}

export const ARM_PATH = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.MachineLearning/webServices/${ARM_NAME}`;

/** A fixed batch of churn rows to score: the first rows of a generated set, label dropped. */
export async function scoringRows(count = 20, seed = 99): Promise<{ ColumnNames: string[]; Values: string[][] }> {
    const lines = (await toText(classificationCsv({ rows: count, seed }))).trim().split('\n');
    const header = lines[0].split(',');
    const keep = FEATURES.map((f) => header.indexOf(f));
    return { ColumnNames: FEATURES, Values: lines.slice(1).map((l) => keep.map((i) => l.split(',')[i])) };
}

/** Trains a churn model in process (no emulator) and uploads it: a ready `initialModel`. */
export async function uploadInProcessModel(container: ContainerClient, name: string, csv: string): Promise<string> {
    const outcome = await trainExperiment(() => Promise.resolve(Readable.from([Buffer.from(csv)])), experiment, {});
    await container.getBlockBlobClient(name).upload(outcome.ilearner, outcome.ilearner.length);
    return `${container.containerName}/${name}`;
}

export function column(body: AnyJson, name: string): string[] {
    const value = body.Results.output1.value as { ColumnNames: string[]; Values: string[][] };
    const i = value.ColumnNames.indexOf(name);
    if (i < 0) throw new Error(`no column ${name} in ${value.ColumnNames.join(', ')}`);
    return value.Values.map((row) => row[i]);
}
