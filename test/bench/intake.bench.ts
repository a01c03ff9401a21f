import { BlobServiceClient } from '@azure/storage-blob';

import { snapshotManifest } from '../../src/activities/snapshotManifest';
import type { ActivityDeps } from '../../src/activities/deps';
import { validateConfig } from '../../src/retraining/config';
import { RunStore } from '../../src/retraining/runStore';
import { testStorage } from '../helpers/azurite';
import { churnTarget } from '../helpers/demoTargets';
import { countingStorage, diff } from './lib/countingProxy';
import { printTable, saveResults } from './lib/report';

/**
 * A snapshot of a target with many files reads only new or changed files: the validate-and-hash
 * pass caches each file's verdict per ETag in the target's state, so after the first snapshot a
 * run reads one cache blob plus the files that changed. Counted at a storage proxy (blob GETs
 * that are not listings), timed, for FILES files (10,000 by default; BENCH_INTAKE_FILES to change).
 */

const FILES = Number(process.env.BENCH_INTAKE_FILES ?? 10_000);
const CHANGED = 20;

function fileText(i: number, salt = 0): string {
    const rows = [`tenure,monthly_charges,support_calls,contract_months,churned`];
    for (let r = 0; r < 5; r++)
        rows.push(`${(i + r + salt) % 72},${(20 + ((i * 7 + r) % 100)).toFixed(2)},${r},12,${(i + r) % 2}`);
    return `${rows.join('\n')}\n`;
}

async function main(): Promise<void> {
    const storage = await testStorage();
    const counting = await countingStorage(storage);
    const blobs = BlobServiceClient.fromConnectionString(counting.connectionString);
    const stamp = Date.now().toString(36);
    const data = blobs.getContainerClient(`bench-intake-data-${stamp}`);
    const runs = blobs.getContainerClient(`bench-intake-runs-${stamp}`);
    await data.create();
    await runs.create();
    const config = validateConfig({
        storage: { connectionStringSetting: 'S' },
        targets: [
            churnTarget({
                studioUrl: 'http://127.0.0.1:1',
                dataContainer: data.containerName,
                modelsContainer: 'models',
            }),
        ],
    });
    const unused = (): never => {
        throw new Error('not used by the snapshot');
    };
    const deps: ActivityDeps = {
        config,
        blobs,
        runs: new RunStore(runs),
        bes: unused,
        classic: unused,
        arm: unused,
        scoring: unused,
        azureml: unused,
        datastore: unused,
        deploymentMetrics: unused,
        now: () => new Date(),
    };
    const result: Record<string, unknown> = { files: FILES, changedFiles: CHANGED };
    try {
        const t0 = Date.now();
        let next = 0;
        await Promise.all(
            Array.from({ length: 16 }, async () => {
                while (next < FILES) {
                    const i = next++;
                    const text = fileText(i);
                    await data
                        .getBlockBlobClient(`churn/f-${String(i).padStart(6, '0')}.csv`)
                        .upload(text, text.length);
                }
            }),
        );
        result.uploadSeconds = (Date.now() - t0) / 1000;

        const snapshot = async (label: string) => {
            const before = counting.snapshot();
            const started = Date.now();
            const m = await snapshotManifest(deps, { target: 'churn', trigger: { kind: 'http' } });
            const counts = diff(counting.snapshot(), before);
            const out = {
                seconds: (Date.now() - started) / 1000,
                blobs: m.blobs.length,
                downloads: counts['blob GET'] ?? 0,
                listings: counts['blob GET list'] ?? 0,
            };
            console.log(label, JSON.stringify(out));
            return out;
        };
        const cold = await snapshot('cold');
        const warm = await snapshot('warm');
        for (let i = 0; i < CHANGED / 2; i++) {
            const text = fileText(i, 1);
            await data.getBlockBlobClient(`churn/f-${String(i).padStart(6, '0')}.csv`).upload(text, text.length);
            const added = fileText(FILES + i);
            await data.getBlockBlobClient(`churn/new-${i}.csv`).upload(added, added.length);
        }
        const changed = await snapshot('changed');
        Object.assign(result, { cold, warm, changed });
        // The claim under test: after the first pass, only new/changed files are read. Every snapshot
        // also makes FIXED other GETs: the container's existence, the intake cache, the target's data
        // state (exclusions, quarantines), the run-key lookup.
        const FIXED = 4;
        const ok =
            cold.downloads === FILES + FIXED && warm.downloads === FIXED && changed.downloads === FIXED + CHANGED;
        result.readsOnlyNewOrChanged = ok;
        printTable([
            ['snapshot', 'files', 'blob GETs (files read + 4)', 'seconds'],
            ['cold (every file judged)', String(cold.blobs), String(cold.downloads), cold.seconds.toFixed(1)],
            ['warm (nothing changed)', String(warm.blobs), String(warm.downloads), warm.seconds.toFixed(1)],
            [`${CHANGED} new or changed`, String(changed.blobs), String(changed.downloads), changed.seconds.toFixed(1)],
        ]);
        await saveResults('intake', result);
        if (!ok) throw new Error(`a snapshot read more than the new or changed files: ${JSON.stringify(result)}`);
    } finally {
        await data.deleteIfExists();
        await runs.deleteIfExists();
        await counting.close();
    }
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
