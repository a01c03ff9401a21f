import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';

import { AzureMlClient } from '../../../../src/clients/azureml';
import { EmulatorCredential, mintEmulatorToken } from '../../../../src/local/studio/emulatorCredential';
import { classificationCsv, toText } from '../../../../src/local/samples';
import type { StudioServer } from '../../../../src/local/studio/server';
import { AzureMlSpec } from '../../../../src/local/studio/v2/spec';
import { eventually, startStudio, TestStorage, testStorage, uniqueName } from '../../../helpers/environment';
import { FEATURES, KEYS, testSeed } from '../kit';

export const V2 = {
    subscriptionId: '11111111-2222-3333-4444-555555555555',
    resourceGroup: 'rg-v2',
    workspace: 'ws-v2',
};
export const LOCATION = 'westeurope';
export const ENVIRONMENT = 'azureml:retrainer-churn:1';
export const WS_PATH = `/subscriptions/${V2.subscriptionId}/resourceGroups/${V2.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${V2.workspace}`;
export const API = 'api-version=2022-10-01';

/** A seed with one v2 workspace whose default datastore is `container`. */
export function v2Seed(container: string): Record<string, unknown> {
    return {
        ...testSeed(),
        azureml: [
            {
                subscriptionId: V2.subscriptionId,
                resourceGroup: V2.resourceGroup,
                name: V2.workspace,
                location: LOCATION,
                datastores: { workspaceblobstore: container },
                environments: [
                    {
                        id: ENVIRONMENT,
                        experiment: {
                            algorithm: 'two-class-logistic-regression',
                            labelColumn: 'churned',
                            featureColumns: FEATURES,
                            positiveLabel: '1',
                        },
                    },
                ],
            },
        ],
    };
}

/**
 * Checks every ARM call of the v2 surface against the spec from the client's side: the request
 * body the SDK sends and the status and body the emulator answers. Calls outside the spec's paths
 * (operation status polls, scoring) are counted apart.
 */
export class SpecRecorder {
    readonly problems: string[] = [];
    readonly checked: string[] = [];
    readonly unchecked: string[] = [];

    policy(): PipelinePolicy {
        const spec = AzureMlSpec.load();
        return {
            name: 'specRecorder',
            sendRequest: async (request, next) => {
                const url = new URL(request.url);
                const found = spec.findOperation(request.method, url.pathname);
                const response = await next(request);
                if (!found) {
                    this.unchecked.push(`${request.method} ${url.pathname}`);
                    return response;
                }
                const id = found.operation.operationId;
                const body = typeof request.body === 'string' ? (JSON.parse(request.body) as unknown) : undefined;
                const requestProblems = spec.validateRequest(id, body);
                const text = response.bodyAsText ?? '';
                const responseBody = text === '' ? undefined : (JSON.parse(text) as unknown);
                const responseProblems = spec.validateResponse(id, response.status, responseBody);
                for (const p of [...requestProblems, ...responseProblems])
                    this.problems.push(`${id} ${response.status}: ${p}`);
                this.checked.push(`${id} ${response.status}`);
                return response;
            },
        };
    }
}

export interface V2Kit {
    studio: StudioServer;
    url: string;
    storage: TestStorage;
    datastore: ContainerClient;
    recorder: SpecRecorder;
    client: AzureMlClient;
    logs: string[];
    /** Uploads CSV text to the datastore; returns its `azureml://` URI. */
    upload(path: string, text: string): Promise<string>;
    armToken(): string;
    /** Raw HTTP against the emulator with an ARM token (for what the SDK will not send). */
    arm(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
    close(): Promise<void>;
}

export async function startV2Kit(options: { stateDir?: string; datastoreName?: string } = {}): Promise<V2Kit> {
    const storage = await testStorage();
    const datastore = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
        options.datastoreName ?? uniqueName('azureml'),
    );
    await datastore.createIfNotExists();
    const logs: string[] = [];
    const studio = await startStudio({ seed: v2Seed(datastore.containerName), stateDir: options.stateDir, logs });
    const url = studio.url.replace(/\/+$/, '');
    const recorder = new SpecRecorder();
    const client = new AzureMlClient(V2, new EmulatorCredential(KEYS.armSecret), {
        endpoint: url,
        additionalPolicies: [recorder.policy()],
    });
    const armToken = (): string => mintEmulatorToken(KEYS.armSecret, Date.now() + 3_600_000);
    return {
        studio,
        url,
        storage,
        datastore,
        recorder,
        client,
        logs,
        armToken,
        upload: async (path, text) => {
            await datastore.getBlockBlobClient(path).upload(text, Buffer.byteLength(text));
            return `azureml://datastores/workspaceblobstore/paths/${path}`;
        },
        arm: async (method, path, body) => {
            const res = await fetch(`${url}${path}`, {
                method,
                headers: {
                    authorization: `Bearer ${armToken()}`,
                    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                },
                body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await res.text();
            return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
        },
        close: () => studio.close(),
    };
}

/** Training data: churn rows from the sample generator. */
export function churnCsv(rows = 600, seed = 7): Promise<string> {
    return toText(classificationCsv({ rows, seed }));
}

/** Polls `check` until it returns a value, at most `attempts` times, `intervalInMs` apart. */
export function until<T>(
    what: string,
    check: () => Promise<T | undefined>,
    attempts = 600,
    intervalInMs = 50,
): Promise<T> {
    return eventually(check, what, attempts * intervalInMs, intervalInMs);
}

/** Feature rows (label dropped) to score. */
export async function featureRows(count = 5, seed = 99): Promise<(string | number)[][]> {
    const lines = (await churnCsv(count, seed)).trim().split('\n');
    const header = lines[0].split(',');
    const keep = FEATURES.map((f) => header.indexOf(f));
    return lines.slice(1).map((l) => keep.map((i) => l.split(',')[i]));
}
