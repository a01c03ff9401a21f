import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { format, resolveConfig } from 'prettier';

/** test/bench/results in the repo (these files run from dist/test/bench/lib). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'bench', 'results');
/** One file per benchmark, gathered into latest.json by run.ts (git-ignored). */
const PARTS_DIR = path.join(RESULTS_DIR, 'parts');

/** Prints rows as an aligned text table; the first row is the header. */
export function printTable(rows: string[][]): void {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    rows.forEach((row, i) => {
        console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
        if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    });
}

/** One benchmark's results, kept until run.ts gathers them into latest.json. */
export async function saveResults(name: string, results: unknown): Promise<void> {
    mkdirSync(PARTS_DIR, { recursive: true });
    const file = path.join(PARTS_DIR, `${name}.json`);
    writeFileSync(file, await formatJson(file, results));
}

/** JSON as the repo's prettier writes it, so `npm test`'s format check passes on results. */
async function formatJson(file: string, value: unknown): Promise<string> {
    const options = (await resolveConfig(file)) ?? {};
    return format(JSON.stringify(value), { ...options, parser: 'json' });
}

export function machine(): Record<string, unknown> {
    return {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        totalMemGb: +(totalmem() / 2 ** 30).toFixed(1),
        freeMemGbAtEnd: +(freemem() / 2 ** 30).toFixed(1),
        loadAverage1m5m15mAtEnd: loadavg().map((l) => +l.toFixed(2)),
        shared: 'yes: other engineers ran test suites on the same 2 cores during the run',
    };
}

/**
 * Gathers the results files of the benchmarks just run into latest.json, keeping earlier entries
 * for benchmarks this run left out (each entry says when it was measured).
 */
export async function writeLatest(names: string[], startedAt: Date, wallMs: number): Promise<string> {
    const out = path.join(RESULTS_DIR, 'latest.json');
    let benchmarks: Record<string, unknown> = {};
    try {
        benchmarks = (JSON.parse(readFileSync(out, 'utf8')) as { benchmarks: Record<string, unknown> }).benchmarks;
    } catch {
        // No earlier results.
    }
    mkdirSync(PARTS_DIR, { recursive: true });
    for (const file of readdirSync(PARTS_DIR).filter((f) => f.endsWith('.json'))) {
        const name = file.replace(/\.json$/, '');
        if (names.includes(name)) {
            benchmarks[name] = {
                measuredAt: startedAt.toISOString(),
                ...(JSON.parse(readFileSync(path.join(PARTS_DIR, file), 'utf8')) as object),
            };
        }
    }
    const latest = {
        command: 'npm run bench',
        lastRunStartedAt: startedAt.toISOString(),
        lastRunWallSeconds: Math.round(wallMs / 1000),
        lastRunBenchmarks: names,
        machine: machine(),
        benchmarks,
    };
    writeFileSync(out, await formatJson(out, latest));
    return out;
}
