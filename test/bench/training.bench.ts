import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { classificationCsv, regressionCsv } from '../../src/local/samples';
import { ExperimentDefinition, trainExperiment } from '../../src/local/studio/training';

/**
 * Training throughput and memory on generated CSV files of 100k and 1M rows, streamed from disk
 * as a blob download would be. Each case trains in a fresh child process so its peak RSS is its
 * own; the 1M/100k time ratio shows whether cost scales linearly with rows. Each case runs
 * REPEATS times: the median time and the largest peak RSS are reported.
 */

const EXPERIMENTS: Record<string, ExperimentDefinition> = {
    logistic: {
        algorithm: 'two-class-logistic-regression',
        labelColumn: 'churned',
        featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
    },
    linear: {
        algorithm: 'linear-regression',
        labelColumn: 'price',
        featureColumns: ['sqft', 'bedrooms', 'age', 'distance_km'],
    },
};

const SIZES = [100_000, 1_000_000];
const REPEATS = 3;

interface CaseResult {
    rows: number;
    ms: number;
    maxRssMb: number;
    metric: string;
}

/** Child mode: train one file and print one JSON line. */
async function runCase(kind: string, file: string): Promise<void> {
    const started = process.hrtime.bigint();
    const outcome = await trainExperiment(
        () => Promise.resolve(createReadStream(file, { highWaterMark: 64 * 1024 })),
        EXPERIMENTS[kind],
        {},
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const metric =
        kind === 'logistic'
            ? `AUC ${outcome.metrics.AUC.toFixed(4)}`
            : `R² ${outcome.metrics['Coefficient of Determination'].toFixed(4)}`;
    const result: CaseResult = {
        rows: outcome.trainingRows + outcome.holdoutRows,
        ms,
        // maxRSS is reported in kilobytes.
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        metric,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function writeData(kind: string, rows: number, file: string): Promise<void> {
    const source: Readable =
        kind === 'logistic' ? classificationCsv({ rows, seed: 42 }) : regressionCsv({ rows, seed: 42 });
    await pipeline(source, createWriteStream(file));
}

async function main(): Promise<void> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'retrainer-bench-'));
    const table: string[][] = [['case', 'rows', 'file MB', 'median wall s', 'rows/s', 'max peak RSS MB', 'quality']];
    const ratios: string[] = [];
    try {
        for (const kind of Object.keys(EXPERIMENTS)) {
            const times: number[] = [];
            for (const rows of SIZES) {
                const file = path.join(dir, `${kind}-${rows}.csv`);
                await writeData(kind, rows, file);
                // Median of a few fresh runs: the machine may be shared, and one run is noisy.
                const runs = Array.from({ length: REPEATS }, () => {
                    const out = execFileSync(process.execPath, [__filename, '--case', kind, file], {
                        encoding: 'utf8',
                        maxBuffer: 1024 * 1024,
                    });
                    return JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
                }).sort((a, b) => a.ms - b.ms);
                const result = { ...runs[runs.length >> 1], maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)) };
                times.push(result.ms);
                table.push([
                    kind,
                    String(result.rows),
                    (statSync(file).size / 1e6).toFixed(1),
                    (result.ms / 1000).toFixed(2),
                    String(Math.round(result.rows / (result.ms / 1000))),
                    result.maxRssMb.toFixed(0),
                    result.metric,
                ]);
                rmSync(file);
            }
            ratios.push(`${kind}: time(1M) / time(100k) = ${(times[1] / times[0]).toFixed(2)} (10.00 = linear)`);
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
    for (const row of table) console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
    console.log('');
    for (const r of ratios) console.log(r);
}

const [flag, kind, file] = process.argv.slice(2);
const run = flag === '--case' ? runCase(kind, file) : main();
run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
