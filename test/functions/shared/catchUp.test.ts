import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';

import { BLOB_TRIGGER_POISON_QUEUE } from '../../../src/functions/shared/catchUp';
import { classificationCsv, toText } from '../../../src/local/samples';
import type { RunRecord } from '../../../src/orchestrators/contracts';
import { eventually, testStorage, uniqueName } from '../../helpers/environment';
import { churnTarget } from '../../helpers/demoTargets';
import { AppUnderTest, startApp } from '../appHost';

const CLI = path.resolve(__dirname, '..', '..', '..', 'src', 'cli', 'main.js');

/**
 * The timer's catch-up pass: an upload whose event never reached the blob trigger (here the trigger
 * is disabled, so no event is ever delivered) is still trained, for a target with no schedule; and
 * dead-lettered events and poison messages are counted and shown by the targets API and the CLI.
 */
describe('catch-up pass on the timer', () => {
    let app: AppUnderTest;
    const deadLetters = uniqueName('deadletter');
    before(async () => {
        const storage = await testStorage();
        const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
        const dl = blobs.getContainerClient(deadLetters);
        await dl.create();
        for (const n of ['2026/01/01/a.json', '2026/01/01/b.json']) await dl.getBlockBlobClient(n).upload('{}', 2);
        const poison = QueueServiceClient.fromConnectionString(storage.connectionString).getQueueClient(
            BLOB_TRIGGER_POISON_QUEUE,
        );
        await poison.createIfNotExists();
        await poison.sendMessage(Buffer.from('{"BlobName":"x.csv"}').toString('base64'));
        app = await startApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 300, maxWaitInMs: 2000 } })], {
            RETRAINER_TIMER_SCHEDULE: '*/1 * * * * *',
            RETRAINER_DEADLETTER_CONTAINER: deadLetters,
            'AzureWebJobs.onTrainingData.Disabled': 'true',
        });
    });
    after(async () => {
        await app?.stop();
        delete process.env['AzureWebJobs.onTrainingData.Disabled'];
        delete process.env.RETRAINER_DEADLETTER_CONTAINER;
    });

    const api = async <T>(p: string): Promise<T> => {
        const res = await fetch(`${app.host.origin}/api/${p}`, {
            headers: { 'x-functions-key': app.host.keys.functionDefault },
        });
        assert.equal(res.status, 200, p);
        return (await res.json()) as T;
    };

    it('trains an upload whose event never came, once, for a target without a schedule', async () => {
        const text = await toText(classificationCsv({ rows: 300, seed: 5 }));
        await app.data.getBlockBlobClient('churn/dropped.csv').upload(text, Buffer.byteLength(text));
        const runs = await eventually(
            async () => {
                const all = await api<RunRecord[]>('runs?target=churn');
                return all.some((r) => r.state === 'Promoted') ? all : undefined;
            },
            () => `a Promoted run; host log:\n${app.logs.slice(-30).join('\n')}`,
            180_000,
        );
        assert.ok(!app.logs.some((l) => /Executed 'Functions\.onTrainingData'/.test(l)), 'the blob trigger never ran');
        assert.ok(app.logs.some((l) => l.includes("Catch-up: started a run of 'churn' (unjudged-data)")));
        // Judged data starts nothing more: later ticks find the run key's run.
        const promoted = runs.find((r) => r.state === 'Promoted')!;
        assert.deepEqual(
            promoted.manifest!.blobs.map((b) => b.name),
            ['churn/dropped.csv'],
        );
        assert.equal(app.studio.stats().operations.submitJob, 1);
    });

    it('counts dead-lettered events and poison messages in GET /api/targets and `retrainer status`', async () => {
        type View = { missedEvents: { deadLetteredEvents: number | null; poisonMessages: number | null } | null };
        const view = await eventually(async () => {
            const v = await api<View>('targets/churn');
            return v.missedEvents?.deadLetteredEvents === 2 ? v : undefined;
        }, 'two dead-lettered events counted');
        // The poison queue's name is fixed, so other tests sharing this Azurite may add to it.
        assert.ok((view.missedEvents?.poisonMessages ?? 0) >= 1);
        const { stdout } = await promisify(execFile)(
            process.execPath,
            // `--key=`: a generated key may start with '-', which would read as an option.
            [CLI, 'status', 'churn', `--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`],
            { env: { ...process.env, RETRAINER_URL: '', RETRAINER_KEY: '' } },
        );
        assert.match(stdout, /missed: {4}2 dead-lettered event\(s\), \d+ poison message\(s\)/);
    });
});
