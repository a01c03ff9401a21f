import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { memoryLogger } from '../../src/local/host/core/log';
import { DevHost } from '../../src/local/host/host';
import { classificationCsv, toText } from '../../src/local/samples';
import { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { seed } from '../activities/fixture';
import { testStorage, uniqueName } from '../helpers/azurite';

/** The repo root: host.json and package.json (main = dist/src/{index.js,functions/*.js}). */
const APP_ROOT = path.resolve(__dirname, '..', '..', '..');
const retrainedKey = seed.classicWebServices[0].endpoints.find((e) => e.name === 'retrained')!.primaryKey;

/**
 * The deployed app, end to end: the dev host loads the built functions, the studio emulator plays
 * Azure ML, Azurite is the storage. Files dropped in the data container retrain and promote.
 */
describe('retraining app through the dev host + studio + Azurite', () => {
    let host: DevHost;
    let studio: StudioServer;
    let data: ContainerClient;
    let runsContainer: ContainerClient;
    const logs = memoryLogger();

    before(async () => {
        const storage = await testStorage();
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        studio = await StudioServer.start({
            storageConnectionString: storage.connectionString,
            seed,
            log: () => undefined,
        });
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-e2e-'));
        const dataName = uniqueName('training-data');
        const config = {
            storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
            targets: [
                {
                    name: 'churn',
                    training: {
                        besUrl: `${studio.url}/workspaces/ws-demo/services/churn-training`,
                        apiKeySetting: 'CHURN_TRAINING_KEY',
                    },
                    data: {
                        container: dataName,
                        prefixPattern: 'churn/*.csv',
                        labelColumn: 'churned',
                        featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
                    },
                    modelOutput: { container: uniqueName('models') },
                    update: {
                        kind: 'classic',
                        managementUrl: studio.url,
                        workspaceId: 'ws-demo',
                        webServiceId: 'churn-predictive',
                        endpointName: 'retrained',
                        defaultEndpointName: 'default',
                        apiKeySetting: 'CHURN_ENDPOINT_KEY',
                        trainedModelName: 'Churn Model [trained model]',
                    },
                    scoring: {
                        apiLocation: `${studio.url}/workspaces/ws-demo/services/churn-retrained`,
                        apiKeySetting: 'CHURN_ENDPOINT_KEY',
                    },
                    gate: { thresholds: [{ metric: 'AUC', threshold: 0.7 }] },
                    debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 },
                    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
                    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
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
            ],
        };
        const configPath = path.join(dir, 'retrainer.config.json');
        writeFileSync(configPath, JSON.stringify(config));
        const runsName = uniqueName('runs');
        Object.assign(process.env, {
            AzureWebJobsStorage: storage.connectionString,
            TASKHUB_NAME: `E2E${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40),
            RETRAINER_CONFIG_PATH: configPath,
            RETRAINER_DATA_STORAGE: storage.connectionString,
            RETRAINER_DATA_CONTAINER: dataName,
            RETRAINER_RUNS_CONTAINER: runsName,
            CHURN_TRAINING_KEY: seed.trainingServices.find((t) => t.serviceId === 'churn-training')!.apiKey,
            CHURN_ENDPOINT_KEY: retrainedKey,
        });
        data = blobs.getContainerClient(dataName);
        await data.create();
        runsContainer = blobs.getContainerClient(runsName);
        host = await DevHost.start({
            appRoot: APP_ROOT,
            connectionString: storage.connectionString,
            port: 0,
            stateDir: path.join(dir, 'devhost'),
            hostId: uniqueName('e2e'),
            logger: logs,
            pollMs: 50,
            leaseMs: 5000,
            blobScanMs: 200,
            blobQueuePollMs: 100,
        });
    });
    after(async () => {
        await host?.stop();
        await studio?.close();
    });

    const api = (p: string, init: RequestInit = {}, key: string | null = host.keys.functionDefault) =>
        fetch(`${host.origin}/api/${p}`, {
            ...init,
            headers: { ...(key ? { 'x-functions-key': key } : {}), ...(init.headers ?? {}) },
        });

    async function runs(): Promise<RunRecord[]> {
        const res = await api('runs?target=churn');
        assert.equal(res.status, 200);
        return (await res.json()) as RunRecord[];
    }

    async function waitForRuns(count: number): Promise<RunRecord[]> {
        for (let i = 0; i < 600; i++) {
            const r = await runs();
            if (r.length >= count) return r;
            await new Promise((ok) => setTimeout(ok, 100));
        }
        throw new Error(
            `expected ${count} run(s); host log:\n${logs.lines
                .filter((l) => !l.includes('runsHttp'))
                .slice(-40)
                .join('\n')}`,
        );
    }

    async function score(): Promise<string[][]> {
        const res = await fetch(
            `${studio.url}/workspaces/ws-demo/services/churn-retrained/execute?api-version=2.0&details=true`,
            {
                method: 'POST',
                headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    Inputs: {
                        input1: {
                            ColumnNames: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
                            Values: [['1', '115', '9', '1']],
                        },
                    },
                    GlobalParameters: {},
                }),
            },
        );
        const body = (await res.json()) as { Results?: { output1: { value: { Values: string[][] } } } };
        return res.status === 200 ? body.Results!.output1.value.Values : [];
    }

    async function put(name: string, text: string): Promise<void> {
        await data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    }

    it('retrains and promotes when a burst of files lands: one run for the burst, record complete, scoring changes', async () => {
        assert.deepEqual(await score(), [], 'the retrained endpoint serves nothing yet');
        const files = await Promise.all([1, 2, 3].map((s) => toText(classificationCsv({ rows: 1200, seed: s }))));
        await Promise.all(files.map((f, i) => put(`churn/part-${i}.csv`, f)));
        const [run] = await waitForRuns(1);
        assert.equal(run.state, 'Promoted', `${run.reason ?? ''}`);
        assert.equal(run.manifest!.blobs.length, 3, 'the whole burst went into one run');
        assert.equal(run.verification!.passed, true);
        assert.equal(run.promotion!.before, null);
        for (const step of [
            'debouncing',
            'collecting',
            'submitting',
            'training',
            'evaluating',
            'promoting',
            'verifying',
            'recording',
        ]) {
            assert.ok(run.timings[step], `timing for ${step}`);
        }
        const scored = await score();
        assert.equal(scored[0].at(-2), '1', 'the new model answers');
        const target = (await (await api('targets/churn')).json()) as {
            champion: { runId: string; lineage: string[] };
        };
        assert.equal(target.champion.runId, run.runId);
        assert.deepEqual(target.champion.lineage, [run.runId]);
        assert.ok(await runsContainer.getBlobClient(`runs/churn/${run.runId}.json`).exists());
    });

    it('refuses a file that cannot be training data, with its reason, and starts nothing', async () => {
        await put('churn/bad.csv', 'tenure,monthly_charges\n1,2\n');
        for (let i = 0; i < 100 && !logs.lines.some((l) => l.includes("lacks column(s) 'churned'")); i++) {
            await new Promise((ok) => setTimeout(ok, 100));
        }
        assert.ok(
            logs.lines.some(
                (l) => l.includes("Rejected training file for target 'churn'") && l.includes("'support_calls'"),
            ),
        );
        await data.deleteBlob('churn/bad.csv');
    });

    it('starts over HTTP only with a function key, and skips data that was already judged', async () => {
        assert.equal((await api('retrain/churn', { method: 'POST' }, null)).status, 401);
        assert.equal((await api('retrain/churn', { method: 'POST' }, 'wrong')).status, 401);
        assert.equal((await api('runs', {}, null)).status, 401);
        assert.equal((await api('retrain/nope', { method: 'POST' })).status, 404);
        assert.equal((await api('retrain/churn', { method: 'POST', body: '{"oops":1}' })).status, 400);
        const res = await api('retrain/churn', { method: 'POST' });
        assert.equal(res.status, 202);
        const links = (await res.json()) as { statusQueryGetUri: string };
        assert.ok(links.statusQueryGetUri.startsWith(host.origin));
        const all = await waitForRuns(2);
        assert.equal(all[0].state, 'Skipped');
        assert.match(all[0].reason!, /already used by run/);
    });
});
