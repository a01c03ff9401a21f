import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { memoryLogger } from '../../src/local/host/core/log';
import { DevHost } from '../../src/local/host/host';
import { regressionCsv, toText } from '../../src/local/samples';
import { StudioServer } from '../../src/local/studio/server';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { RunStore } from '../../src/retraining/runStore';
import { seed } from '../activities/fixture';
import { testStorage, uniqueName } from '../helpers/azurite';

const APP_ROOT = path.resolve(__dirname, '..', '..', '..');
const arm = seed.armWebServices[0];

/** Scheduled retrains through the dev host's timer: skip without new data, train once with it. */
describe('scheduled retraining through the dev host', () => {
    let host: DevHost;
    let studio: StudioServer;
    let runs: RunStore;
    let upload: (name: string, text: string) => Promise<void>;
    const logs = memoryLogger();

    before(async () => {
        const storage = await testStorage();
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        studio = await StudioServer.start({
            storageConnectionString: storage.connectionString,
            seed,
            log: () => undefined,
        });
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-timer-'));
        const dataName = uniqueName('training-data');
        const runsName = uniqueName('runs');
        const config = {
            storage: { connectionStringSetting: 'RETRAINER_DATA_STORAGE' },
            targets: [
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
                    modelOutput: { container: uniqueName('models') },
                    update: {
                        kind: 'arm',
                        armBaseUrl: studio.url,
                        subscriptionId: arm.subscriptionId,
                        resourceGroup: arm.resourceGroup,
                        webServiceName: 'houses-arm',
                        trainedModelName: 'Houses Model [trained model]',
                        credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' },
                        pollIntervalInMs: 100,
                        timeoutInMs: 20_000,
                    },
                    scoring: {
                        apiLocation: `${studio.url}/subscriptions/${arm.subscriptionId}/services/${arm.serviceId}`,
                        apiKeySetting: 'HOUSES_SCORING_KEY',
                    },
                    gate: { thresholds: [{ metric: 'Coefficient of Determination', threshold: 0.8 }] },
                    schedule: '*/1 * * * * *',
                    debounce: { quietPeriodInMs: 300, maxWaitInMs: 2000 },
                    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
                    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
                },
            ],
        };
        const configPath = path.join(dir, 'retrainer.config.json');
        writeFileSync(configPath, JSON.stringify(config));
        Object.assign(process.env, {
            AzureWebJobsStorage: storage.connectionString,
            TASKHUB_NAME: `Timer${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40),
            RETRAINER_CONFIG_PATH: configPath,
            RETRAINER_DATA_STORAGE: storage.connectionString,
            RETRAINER_DATA_CONTAINER: dataName,
            RETRAINER_RUNS_CONTAINER: runsName,
            RETRAINER_TIMER_SCHEDULE: '*/1 * * * * *',
            HOUSES_TRAINING_KEY: seed.trainingServices.find((t) => t.serviceId === 'houses-training')!.apiKey,
            HOUSES_SCORING_KEY: arm.keys.primary,
            STUDIO_ARM_SECRET: seed.armTokenSecret,
        });
        const data = blobs.getContainerClient(dataName);
        await data.create();
        upload = async (name, text) => void (await data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text)));
        runs = new RunStore(blobs.getContainerClient(runsName));
        host = await DevHost.start({
            appRoot: APP_ROOT,
            connectionString: storage.connectionString,
            port: 0,
            stateDir: path.join(dir, 'devhost'),
            hostId: uniqueName('timer'),
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

    async function waitFor(check: (r: RunRecord[]) => boolean, what: string): Promise<RunRecord[]> {
        for (let i = 0; i < 300; i++) {
            const all = await runs.listRuns('houses');
            if (check(all)) return all;
            await new Promise((ok) => setTimeout(ok, 100));
        }
        throw new Error(`${what}; host log:\n${logs.lines.slice(-30).join('\n')}`);
    }

    it('skips with a recorded reason while there is no data', async () => {
        const all = await waitFor((r) => r.length > 0, 'no scheduled run happened');
        assert.equal(all.at(-1)!.state, 'Skipped');
        assert.equal(all.at(-1)!.trigger.kind, 'timer');
        assert.match(all.at(-1)!.reason!, /No training data/);
        assert.equal(studio.stats().operations.submitJob ?? 0, 0);
    });

    it('trains once when data arrives, then skips ticks that bring nothing new', async () => {
        await upload('houses/h.csv', await toText(regressionCsv({ rows: 1500, seed: 8 })));
        const all = await waitFor((r) => r.some((x) => x.state === 'Promoted'), 'the data was never trained');
        const promotedAt = all.findIndex((x) => x.state === 'Promoted');
        const later = await waitFor(
            (r) =>
                r.length >= all.length - promotedAt + promotedAt + 2 &&
                r[0].state === 'Skipped' &&
                r.findIndex((x) => x.state === 'Promoted') >= 2,
            'no later tick was recorded',
        );
        const newer = later.slice(
            0,
            later.findIndex((x) => x.state === 'Promoted'),
        );
        assert.ok(newer.length >= 2);
        for (const r of newer) {
            assert.equal(r.state, 'Skipped');
            assert.match(r.reason!, /already used by run/);
        }
        assert.equal(studio.stats().operations.submitJob, 1, 'one BES job for one data set');
    });
});
