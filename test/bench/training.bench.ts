import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { ExperimentDefinition, trainExperiment } from '../../src/local/studio/training';
import { printTable, saveResults } from './lib/report';
import { ensureSklearn, runSklearn, SklearnResult } from './lib/sklearn';
import { fmt, summarize, Summary } from './lib/stats';
import { FEATURES, wideCsv, WideKind } from './lib/wideCsv';

/**
 * Studio training against scikit-learn on the same generated CSV files (20 features; 100k and 1M
 * rows) and the same train/holdout split: fit time ratio and held-out metric difference. The
 * studio trains in a fresh child process per repeat (its time includes reading and parsing the
 * CSV on every pass: it streams and never holds the table); scikit-learn loads the file once with
 * numpy and times each fit alone, so its load time is reported apart.
 */

const EXPERIMENTS: Record<WideKind, ExperimentDefinition> = {
    logistic: { algorithm: 'two-class-logistic-regression', labelColumn: 'y', featureColumns: FEATURES },
    linear: { algorithm: 'linear-regression', labelColumn: 'y', featureColumns: FEATURES },
};

const SIZES = (process.env.BENCH_TRAINING_ROWS ?? '100000,1000000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

interface CaseResult {
    rows: number;
    holdoutRows: number;
    ms: number;
    maxRssMb: number;
    auc?: number;
    rmse?: number;
}

/** Child mode: train one file and print one JSON line. */
async function runCase(kind: WideKind, file: string): Promise<void> {
    const started = process.hrtime.bigint();
    const outcome = await trainExperiment(
        () => Promise.resolve(createReadStream(file, { highWaterMark: 64 * 1024 })),
        EXPERIMENTS[kind],
        {},
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const result: CaseResult = {
        rows: outcome.trainingRows + outcome.holdoutRows,
        holdoutRows: outcome.holdoutRows,
        ms,
        // maxRSS is in kilobytes.
        maxRssMb: process.resourceUsage().maxRSS / 1024,
        auc: outcome.metrics.AUC,
        rmse: outcome.metrics['Root Mean Squared Error'],
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

function studioRuns(kind: WideKind, file: string): CaseResult[] {
    return Array.from({ length: REPEATS }, () => {
        const out = execFileSync(process.execPath, [__filename, '--case', kind, file], {
            encoding: 'utf8',
            maxBuffer: 1024 * 1024,
        });
        return JSON.parse(out.trim().split('\n').pop()!) as CaseResult;
    });
}

interface Row {
    kind: WideKind;
    rows: number;
    fileMb: number;
    studioSeconds: Summary;
    studioRowsPerSecond: number;
    studioMaxRssMb: number;
    studioMetric: number;
    sklearn?: {
        version: string;
        fitSeconds: Summary;
        loadSeconds: number;
        metric: number;
        maxRssMb: number;
        /** Median studio time / median sklearn fit time, both from this run. */
        fitTimeRatio: number;
        /** Same, against sklearn's numpy load plus fit. */
        loadAndFitTimeRatio: number;
        /** Studio minus sklearn (AUC), or relative difference in percent (RMSE). */
        metricDifference: number;
        metricGoalMet: boolean;
        timeGoalMet: boolean;
    };
}

async function main(): Promise<void> {
    const sk = ensureSklearn();
    if (!sk.ok) console.log(`SKIPPING the scikit-learn comparison: ${sk.reason}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'retrainer-bench-'));
    const rows: Row[] = [];
    try {
        for (const kind of ['logistic', 'linear'] as WideKind[]) {
            for (const size of SIZES) {
                const file = path.join(dir, `${kind}-${size}.csv`);
                await pipeline(wideCsv(kind, size), createWriteStream(file));
                const runs = studioRuns(kind, file);
                const studioSeconds = summarize(runs.map((r) => r.ms / 1000));
                const studioMetric = (kind === 'logistic' ? runs[0].auc : runs[0].rmse)!;
                const row: Row = {
                    kind,
                    rows: runs[0].rows,
                    fileMb: statSync(file).size / 1e6,
                    studioSeconds,
                    studioRowsPerSecond: Math.round(runs[0].rows / studioSeconds.median),
                    studioMaxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
                    studioMetric,
                };
                if (sk.ok) {
                    const py: SklearnResult = runSklearn(kind, file, REPEATS, sk.version);
                    if (py.holdoutRows !== runs[0].holdoutRows) {
                        throw new Error(
                            `split mismatch: studio held out ${runs[0].holdoutRows} rows, sklearn ${py.holdoutRows}`,
                        );
                    }
                    const fitSeconds = summarize(py.fitSeconds);
                    const metric = (kind === 'logistic' ? py.metrics.AUC : py.metrics.RMSE)!;
                    const metricDifference =
                        kind === 'logistic' ? studioMetric - metric : ((studioMetric - metric) / metric) * 100;
                    row.sklearn = {
                        version: py.version,
                        fitSeconds,
                        loadSeconds: py.loadSeconds,
                        metric,
                        maxRssMb: py.maxRssMb,
                        fitTimeRatio: studioSeconds.median / fitSeconds.median,
                        loadAndFitTimeRatio: studioSeconds.median / (fitSeconds.median + py.loadSeconds),
                        metricDifference,
                        metricGoalMet: kind === 'logistic' ? metricDifference >= -0.002 : metricDifference <= 0.5,
                        timeGoalMet: studioSeconds.median <= fitSeconds.median,
                    };
                }
                rows.push(row);
                rmSync(file);
            }
        }
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
    const table = [
        [
            'case',
            'rows',
            'MB',
            'studio s (min–max)',
            'rows/s',
            'RSS MB',
            'sklearn fit s (min–max)',
            'np load s',
            'time ratio',
            'studio metric',
            'sklearn metric',
            'diff',
        ],
    ];
    for (const r of rows) {
        const s = r.sklearn;
        table.push([
            r.kind,
            String(r.rows),
            r.fileMb.toFixed(0),
            fmt(r.studioSeconds),
            String(r.studioRowsPerSecond),
            r.studioMaxRssMb.toFixed(0),
            s ? fmt(s.fitSeconds, 3) : 'skipped',
            s ? s.loadSeconds.toFixed(2) : '',
            s ? `${s.fitTimeRatio.toFixed(1)}x` : '',
            `${r.kind === 'logistic' ? 'AUC' : 'RMSE'} ${r.studioMetric.toFixed(4)}`,
            s ? s.metric.toFixed(4) : '',
            s ? (r.kind === 'logistic' ? s.metricDifference.toFixed(4) : `${s.metricDifference.toFixed(3)}%`) : '',
        ]);
    }
    printTable(table);
    console.log(`\n${REPEATS} repeats each; time ratio = studio median / sklearn fit median (goal <= 1).`);
    await saveResults('training', {
        repeats: REPEATS,
        sklearn: sk.ok ? { version: sk.version } : { skipped: sk.reason },
        cases: rows,
    });
}

const [flag, kind, file] = process.argv.slice(2);
const run = flag === '--case' ? runCase(kind as WideKind, file) : main();
run.catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
