import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { memoryLogger } from '../../src/local/host/core/log';
import { DevHost } from '../../src/local/host/host';
import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { seed } from '../activities/fixture';
import { testStorage, uniqueName } from '../helpers/azurite';

/** The repo root: host.json and package.json (main = dist/src/{index.js,functions/*.js}). */
const APP_ROOT = path.resolve(__dirname, '..', '..', '..');
const retrainedKey = seed.classicWebServices[0].endpoints.find((e) => e.name === 'retrained')!.primaryKey;
const armSeed = seed.armWebServices[0];

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
        const modelsName = uniqueName('models');
        const churnLike = (prefixPattern: string) => ({
            training: {
                besUrl: `${studio.url}/workspaces/ws-demo/services/churn-training`,
                apiKeySetting: 'CHURN_TRAINING_KEY',
            },
            data: {
                container: dataName,
                prefixPattern,
                labelColumn: 'churned',
                featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
            },
            modelOutput: { container: modelsName },
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
            debounce: { quietPeriodInMs: 1500, maxWaitInMs: 10_000 },
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
        });
        const config = {
            storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
            targets: [
                { ...churnLike('churn/*.csv'), name: 'churn' },
                {
                    // Shares the classic endpoint, but its golden rows can never pass: every promotion rolls back.
                    ...churnLike('strict/*.csv'),
                    name: 'strict',
                    smokeTest: {
                        rows: [
                            {
                                input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
                                expected: { 'Scored Labels': 'never' },
                            },
                        ],
                    },
                },
                {
                    name: 'houses',
                    training: {
                        besUrl: `${studio.url}/workspaces/ws-demo/services/houses-training`,
                        apiKeySetting: 'HOUSES_TRAINING_KEY',
                    },
                    data: {
                        container: dataName,
                        prefixPattern: 'houses/*.csv',
                        labelColumn: 'price',
                        featureColumns: ['sqft', 'bedrooms', 'age', 'distance_km'],
                    },
                    modelOutput: { container: modelsName },
                    update: {
                        kind: 'arm',
                        armBaseUrl: studio.url,
                        subscriptionId: armSeed.subscriptionId,
                        resourceGroup: armSeed.resourceGroup,
                        webServiceName: 'houses-arm',
                        trainedModelName: 'Houses Model [trained model]',
                        credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' },
                        pollIntervalInMs: 100,
                        timeoutInMs: 20_000,
                    },
                    scoring: {
                        apiLocation: `${studio.url}/subscriptions/${armSeed.subscriptionId}/services/${armSeed.serviceId}`,
                        apiKeySetting: 'HOUSES_SCORING_KEY',
                    },
                    gate: { thresholds: [{ metric: 'Coefficient of Determination', threshold: 0.8 }] },
                    debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 },
                    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
                    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
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
            HOUSES_TRAINING_KEY: seed.trainingServices.find((t) => t.serviceId === 'houses-training')!.apiKey,
            HOUSES_SCORING_KEY: armSeed.keys.primary,
            STUDIO_ARM_SECRET: seed.armTokenSecret,
            RETRAINER_TIMER_SCHEDULE: '0 0 0 1 1 *',
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

    async function runs(target = 'churn'): Promise<RunRecord[]> {
        const res = await api(`runs?target=${target}`);
        assert.equal(res.status, 200);
        return (await res.json()) as RunRecord[];
    }

    /** Waits for the target's run count to reach `count` (newest first); the loop only bounds a hang. */
    async function waitForRuns(count: number, target = 'churn'): Promise<RunRecord[]> {
        for (let i = 0; i < 600; i++) {
            const r = await runs(target);
            if (r.length >= count) return r;
            await new Promise((ok) => setTimeout(ok, 100));
        }
        const recent = logs.lines.filter((l) => !l.includes('runsHttp')).slice(-40);
        throw new Error(`expected ${count} run(s) of ${target}; host log:\n${recent.join('\n')}`);
    }

    const FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];
    const ROWS = [
        ['70', '25', '0', '24'],
        ['1', '115', '9', '1'],
    ];

    async function score(): Promise<string[][]> {
        const res = await fetch(
            `${studio.url}/workspaces/ws-demo/services/churn-retrained/execute?api-version=2.0&details=true`,
            {
                method: 'POST',
                headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    Inputs: { input1: { ColumnNames: FEATURES, Values: ROWS } },
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

    const submitted = (): number => studio.stats().operations.submitJob ?? 0;
    let signal: string[];
    let championScores: string[][];

    it('retrains and promotes once for a burst of 20 files: record complete, scoring changes', async () => {
        assert.deepEqual(await score(), [], 'the retrained endpoint serves nothing yet');
        signal = await Promise.all(
            Array.from({ length: 20 }, (_, s) => toText(classificationCsv({ rows: 300, seed: s + 1 }))),
        );
        await Promise.all(signal.map((f, i) => put(`churn/part-${String(i).padStart(2, '0')}.csv`, f)));
        const [run] = await waitForRuns(1);
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.manifest!.blobs.length, 20, 'the whole burst went into one run');
        assert.equal(run.verification!.passed, true);
        assert.equal(run.promotion!.before, null);
        assert.ok(run.verdict!.metrics.auc > 0.7);
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
        championScores = await score();
        assert.equal(championScores[1][4], '1', 'the new model answers');
        const target = (await (await api('targets/churn')).json()) as {
            champion: { runId: string; lineage: string[] };
        };
        assert.equal(target.champion.runId, run.runId);
        assert.deepEqual(target.champion.lineage, [run.runId]);
        assert.ok(await runsContainer.getBlobClient(`runs/churn/${run.runId}.json`).exists());
        assert.equal(submitted(), 1, 'one BES job for the burst');
        await new Promise((ok) => setTimeout(ok, 2500));
        assert.equal((await runs()).length, 1, 'late trigger events started nothing more');
    });

    it('the same file uploaded again starts no training', async () => {
        await put('churn/part-00.csv', signal[0]);
        const [latest] = await waitForRuns(2);
        assert.equal(latest.state, 'Skipped');
        assert.match(latest.reason!, /already used by run/);
        assert.equal(submitted(), 1);
    });

    it('rejects a worse model and leaves the endpoint serving the champion', async () => {
        await put(
            'churn/zz-noise.csv',
            await toText(classificationCsv({ rows: 40_000, seed: 99, shuffleLabels: true })),
        );
        const [latest] = await waitForRuns(3);
        assert.equal(latest.state, 'Rejected', latest.reason);
        assert.match(latest.reason!, /AUC/);
        assert.deepEqual(await score(), championScores);
        await data.deleteBlob('churn/zz-noise.csv');
    });

    it('records a failing BES job as Failed with the service’s reason, endpoint unchanged', async () => {
        studio.faults.set('churn-training', { jobFailure: 'Simulated module failure' });
        try {
            await put('churn/extra.csv', await toText(classificationCsv({ rows: 300, seed: 77 })));
            const [latest] = await waitForRuns(4);
            assert.equal(latest.state, 'Failed');
            assert.match(latest.reason!, /Simulated module failure/);
        } finally {
            studio.faults.clear('churn-training');
        }
        assert.deepEqual(await score(), championScores);
    });

    it('rolls back when verification fails', async () => {
        await put('strict/a.csv', signal[1]);
        const [run] = await waitForRuns(1, 'strict');
        assert.equal(run.state, 'RolledBack', run.reason);
        assert.match(run.reason!, /never/);
        assert.ok(run.promotion!.before, 'it knew what to restore');
        assert.deepEqual(await score(), championScores, 'the previous model serves again');
    });

    it('updates the ARM web service on the houses target', async () => {
        await put('houses/h.csv', await toText(regressionCsv({ rows: 2000, seed: 3 })));
        const [run] = await waitForRuns(1, 'houses');
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.verification!.passed, true);
        assert.match(run.promotion!.after.relativeLocation, /houses\/.*\/model\.ilearner$/);
    });

    it('refuses a file that cannot be training data, with its reason, and starts nothing', async () => {
        const before = submitted();
        await put('churn/bad.csv', 'tenure,monthly_charges\n1,2\n');
        for (let i = 0; i < 100 && !logs.lines.some((l) => l.includes("lacks column(s) 'churned'")); i++) {
            await new Promise((ok) => setTimeout(ok, 100));
        }
        assert.ok(
            logs.lines.some(
                (l) => l.includes("Rejected training file for target 'churn'") && l.includes("'support_calls'"),
            ),
        );
        assert.equal(submitted(), before);
        await data.deleteBlob('churn/bad.csv');
    });

    it('starts over HTTP only with a function key', async () => {
        assert.equal((await api('retrain/churn', { method: 'POST' }, null)).status, 401);
        assert.equal((await api('retrain/churn', { method: 'POST' }, 'wrong')).status, 401);
        assert.equal((await api('runs', {}, null)).status, 401);
        assert.equal((await api('targets', {}, null)).status, 401);
        assert.equal((await api('retrain/nope', { method: 'POST' })).status, 404);
        assert.equal((await api('retrain/churn', { method: 'POST', body: '{"oops":1}' })).status, 400);
        const count = (await runs()).length;
        const res = await api('retrain/churn', { method: 'POST' });
        assert.equal(res.status, 202);
        const links = (await res.json()) as { statusQueryGetUri: string };
        assert.ok(links.statusQueryGetUri.startsWith(host.origin));
        const [latest] = await waitForRuns(count + 1);
        assert.ok(['Promoted', 'Rejected'].includes(latest.state), `${latest.state}: ${latest.reason ?? ''}`);
        const targets = (await (await api('targets')).json()) as { name: string }[];
        assert.deepEqual(
            targets.map((t) => t.name),
            ['churn', 'strict', 'houses'],
        );
    });
});
