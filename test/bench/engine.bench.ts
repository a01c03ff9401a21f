import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { startAzurite } from '../../src/local/common/azurite';
import { memoryLogger } from '../../src/local/host/core/log';
import { DevHost } from '../../src/local/host/host';
import { printTable, saveResults } from './lib/report';
import { fmt, sleep, summarize, Summary } from './lib/stats';
import { runVariantsEntry } from './lib/variants';

/**
 * The dev host's durable engine: ms per activity for 100 sequential no-op activities and for a
 * 100-wide fan-out. The task hub store is a concrete class over Azure Table clients, not an
 * interface, so the in-memory run keeps the same code path end to end (dispatcher, replay through
 * durable-functions, table rows over HTTP) and changes only where Azurite keeps them:
 *  - persisted: Azurite with --location (on disk, as `npm start` runs it);
 *  - in-memory: Azurite with --inMemoryPersistence (as the tests run it).
 * Each variant runs in its own process with its own Azurite; dev host defaults (poll 250 ms, woken
 * on new work; 4 concurrent activities, as the app's host.json). Times are the instance row's
 * created -> last updated (ms), one warm-up run first.
 */

const COUNT = 100;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const FIXTURE = path.resolve(__dirname, '..', '..', '..', 'test', 'bench', 'fixtures', 'engine-app');
const SHAPES = ['Sequence', 'FanOut'] as const;
const VARIANTS = ['persisted', 'in-memory'] as const;
type Variant = (typeof VARIANTS)[number];

async function runVariant(variant: Variant): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-bench-engine-'));
    const azurite = await startAzurite(variant === 'persisted' ? { location: path.join(dir, 'azurite') } : {});
    process.env.ENGINE_HUB = `Engine${process.pid}`;
    process.env.AzureWebJobsStorage = azurite.connectionString;
    const host = await DevHost.start({
        appRoot: FIXTURE,
        connectionString: azurite.connectionString,
        port: 0,
        stateDir: path.join(dir, 'devhost'),
        hostId: `engine-${process.pid}`,
        logger: memoryLogger(),
    });
    const out: Record<string, number[]> = {};
    try {
        for (const shape of SHAPES) {
            out[shape] = [];
            for (let i = 0; i <= REPEATS; i++) {
                const id = `${shape}-${i}`;
                await host.service.startNew(shape, id, JSON.stringify(COUNT));
                for (;;) {
                    const inst = await host.durable.store.getInstance(id);
                    if (inst && inst.runtimeStatus !== 'Running' && inst.runtimeStatus !== 'Pending') {
                        if (inst.runtimeStatus !== 'Completed') throw new Error(`${id} ended ${inst.runtimeStatus}`);
                        const ms = inst.lastUpdatedTime.getTime() - inst.createdTime.getTime();
                        if (i > 0) out[shape].push(ms / COUNT);
                        break;
                    }
                    await sleep(50);
                }
            }
        }
    } finally {
        await host.stop();
        await azurite.stop();
        rmSync(dir, { recursive: true, force: true });
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function main(): Promise<void> {
    const results: Record<string, Record<string, Summary>> = {};
    for (const variant of VARIANTS) {
        const { stdout } = await promisify(execFile)(process.execPath, [__filename, '--variant', variant], {
            encoding: 'utf8',
        });
        const runs = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number[]>;
        results[variant] = Object.fromEntries(SHAPES.map((s) => [s, summarize(runs[s])]));
    }
    const ratios = Object.fromEntries(
        SHAPES.map((s) => [s, results.persisted[s].median / results['in-memory'][s].median]),
    );
    const table = [['ms per activity', ...VARIANTS.map((v) => `${v} median (min–max)`), 'persisted / in-memory']];
    for (const s of SHAPES) {
        table.push([`${s} x${COUNT}`, ...VARIANTS.map((v) => fmt(results[v][s], 1)), `${ratios[s].toFixed(2)}x`]);
    }
    printTable(table);
    console.log(`\n${REPEATS} runs per case after one warm-up; no-op activities; dev host default polling.`);
    await saveResults('engine', { count: COUNT, repeats: REPEATS, results, ratios });
}

runVariantsEntry<Variant>(main, runVariant);
