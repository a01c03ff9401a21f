import { cpus, freemem, totalmem } from 'node:os';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** test/bench/results in the repo (these files run from dist/test/bench/lib). */
export const RESULTS_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'bench', 'results');

/** Prints rows as an aligned text table; the first row is the header. */
export function printTable(rows: string[][]): void {
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
    rows.forEach((row, i) => {
        console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
        if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    });
}

/** One benchmark's results, kept until run.ts gathers them into latest.json. */
export function saveResults(name: string, results: unknown): void {
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

export function machine(): Record<string, unknown> {
    return {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        totalMemGb: +(totalmem() / 2 ** 30).toFixed(1),
        freeMemGbAtStart: +(freemem() / 2 ** 30).toFixed(1),
        shared: 'yes: other engineers ran test suites on the same 2 cores during the run',
    };
}

/** Merges every per-benchmark file of this run into latest.json. */
export function writeLatest(names: string[], startedAt: Date, wallMs: number): string {
    const benchmarks: Record<string, unknown> = {};
    for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json') && f !== 'latest.json')) {
        const name = file.replace(/\.json$/, '');
        if (names.includes(name)) benchmarks[name] = JSON.parse(readFileSync(path.join(RESULTS_DIR, file), 'utf8'));
    }
    const out = path.join(RESULTS_DIR, 'latest.json');
    writeFileSync(
        out,
        `${JSON.stringify({ startedAt: startedAt.toISOString(), wallSeconds: Math.round(wallMs / 1000), machine: machine(), benchmarks }, null, 2)}\n`,
    );
    return out;
}
