import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';

import { BlobServiceClient } from '@azure/storage-blob';

import { testStorage } from '../helpers/azurite';
import { printTable, saveResults } from './lib/report';
import { sleep } from './lib/stats';
import { DEMO_SEED_FILE, startStudioProcess } from './lib/studioProcess';
import { FEATURES, wideCsv } from './lib/wideCsv';

/**
 * Peak RSS of the studio emulator process while a BES job trains two-class logistic regression
 * on a 1 GB, 20-feature CSV that is generated on the fly and streamed into Azurite (never on
 * disk, deleted afterwards). The job runs with maxIterations=1 to bound the run time: every
 * Newton iteration is one more identical streaming pass (O(features²) state), so more passes
 * would add time, not memory. One run: the file alone takes minutes to write and train.
 */

const TARGET_BYTES = Number(process.env.BENCH_MEMORY_BYTES ?? 1e9);
const GOAL_MB = 300;
const SERVICE = { serviceId: 'wide-training', apiKey: 'bench-wide-training-key' };

async function main(): Promise<void> {
    const storage = await testStorage();
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-bench-memory-'));
    const seedFile = path.join(dir, 'seed.json');
    const seed = JSON.parse(readFileSync(DEMO_SEED_FILE, 'utf8')) as { trainingServices: unknown[] };
    seed.trainingServices.push({
        workspaceId: 'ws-demo',
        ...SERVICE,
        experiment: { algorithm: 'two-class-logistic-regression', labelColumn: 'y', featureColumns: FEATURES },
    });
    writeFileSync(seedFile, JSON.stringify(seed));

    // Rows for ~TARGET_BYTES, from the average row of a sample of the same generator.
    let sampleBytes = 0;
    for await (const chunk of wideCsv('logistic', 20_000)) sampleBytes += (chunk as Buffer).length;
    const rows = Math.ceil(TARGET_BYTES / (sampleBytes / 20_000));

    const container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
        'bench-memory',
    );
    await container.createIfNotExists();
    const blob = container.getBlockBlobClient('wide-1gb.csv');
    const studio = await startStudioProcess(storage.connectionString, seedFile);
    let bytes = 0;
    const result: Record<string, unknown> = {};
    try {
        const started = Date.now();
        const counter = new Transform({
            transform(chunk: Buffer, _enc, done) {
                bytes += chunk.length;
                done(null, chunk);
            },
        });
        await blob.uploadStream(wideCsv('logistic', rows).pipe(counter), 8 * 1024 * 1024, 4);
        const uploadSeconds = (Date.now() - started) / 1000;
        const idleRssMb = studio.peakRssMb();

        const base = `${studio.url}/workspaces/ws-demo/services/${SERVICE.serviceId}/jobs`;
        const headers = { Authorization: `Bearer ${SERVICE.apiKey}`, 'Content-Type': 'application/json' };
        const submit = await fetch(`${base}?api-version=2.0`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
                Inputs: {
                    input1: {
                        ConnectionString: storage.connectionString,
                        RelativeLocation: 'bench-memory/wide-1gb.csv',
                    },
                },
                GlobalParameters: { maxIterations: '1' },
            }),
        });
        if (submit.status !== 200) throw new Error(`submit: ${submit.status} ${await submit.text()}`);
        const jobId = (await submit.json()) as string;
        const start = await fetch(`${base}/${jobId}/start?api-version=2.0`, { method: 'POST', headers });
        if (start.status !== 204) throw new Error(`start: ${start.status} ${await start.text()}`);
        const trainStarted = Date.now();
        let status: { StatusCode: string; Details: string | null };
        for (;;) {
            await sleep(1000);
            status = (await (await fetch(`${base}/${jobId}?api-version=2.0`, { headers })).json()) as typeof status;
            if (!['NotStarted', 'Running'].includes(status.StatusCode)) break;
        }
        if (status.StatusCode !== 'Finished') throw new Error(`job ended ${status.StatusCode}: ${status.Details}`);
        const peakRssMb = studio.peakRssMb();
        Object.assign(result, {
            fileBytes: bytes,
            rows,
            uploadSeconds,
            trainSeconds: (Date.now() - trainStarted) / 1000,
            passes: 3,
            idleRssMb,
            peakRssMb,
            goalMb: GOAL_MB,
            goalMet: peakRssMb < GOAL_MB,
        });
    } finally {
        await studio.stop();
        await blob.deleteIfExists();
        rmSync(dir, { recursive: true, force: true });
    }
    printTable([
        ['file', 'rows', 'upload s', 'train s (3 passes)', 'studio RSS before job MB', 'peak RSS MB', 'goal'],
        [
            `${(bytes / 1e9).toFixed(2)} GB`,
            String(rows),
            (result.uploadSeconds as number).toFixed(0),
            (result.trainSeconds as number).toFixed(0),
            (result.idleRssMb as number).toFixed(0),
            (result.peakRssMb as number).toFixed(0),
            `< ${GOAL_MB} MB: ${result.goalMet ? 'met' : 'MISSED'}`,
        ],
    ]);
    await saveResults('memory', result);
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
