import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { RunRecord } from '../../src/orchestrators/contracts';
import { RunStore } from '../../src/retraining/runStore';
import { classificationCsv, toText } from '../../src/local/samples';
import { churnTarget } from '../helpers/demoTargets';
import { printTable, saveResults } from './lib/report';
import { startStack } from './lib/stack';
import { fmt, sleep, summarize, Summary } from './lib/stats';
import { runVariantsEntry } from './lib/variants';

/**
 * Freshness: a 10k-row churn file uploaded -> the classic endpoint verified serving the model
 * trained on it, on the in-process local stack (Azurite, studio emulator, dev host running the
 * built app). Two variants, each in its own process (the Functions library is a singleton):
 *  - defaults: the dev host's and the config's default timings (blob scan 1 s, the dev host's
 *    stand-in for the trigger's Event Grid source; blob queue poll 1 s; durable poll 250 ms; job
 *    poll from 5 s doubling to 60 s), except the debounce quiet
 *    period, which is cut to 500 ms (default 60 s) so a run is not mostly a configured wait;
 *  - tuned: blob scan 250 ms, blob queue poll 100 ms, job poll from 250 ms doubling to 1 s.
 * Each variant retrains RUNS+1 targets one after another (a fresh target each, so every run is a
 * first promotion) and drops the first as warm-up. The breakdown comes from the run record's
 * step times (orchestration clock), the durable instance's created time and the emulator's own
 * job start/end times.
 */

const RUNS = Number(process.env.BENCH_REPEATS ?? 5);
const ROWS = 10_000;
const DEBOUNCE = { quietPeriodInMs: 500, maxWaitInMs: 5000 };

const VARIANTS = {
    defaults: {
        host: {},
        job: { deadlineInMs: 7_200_000, pollInitialIntervalInMs: 5000, pollMaxIntervalInMs: 600_000 },
    },
    tuned: {
        host: { blobScanMs: 250, blobQueuePollMs: 100 },
        job: { deadlineInMs: 7_200_000, pollInitialIntervalInMs: 250, pollMaxIntervalInMs: 1000 },
    },
};
type Variant = keyof typeof VARIANTS;

const PARTS = [
    'detection',
    'debounce',
    'collect+submit',
    'training (BES job)',
    'poll lag',
    'evaluation',
    'promotion',
    'verification',
    'total',
    'orchestration overhead',
    'overhead % of total',
] as const;
type Part = (typeof PARTS)[number];

/** Child mode: one variant, printing one JSON line of per-run breakdowns (ms). */
async function runVariant(variant: Variant): Promise<void> {
    const v = VARIANTS[variant];
    const names = Array.from({ length: RUNS + 1 }, (_, i) => `churn${i}`);
    const stack = await startStack(
        (w) =>
            names.map((name) =>
                churnTarget(w, {
                    name,
                    data: { ...(churnTarget(w).data as object), prefixPattern: `${name}/*.csv` },
                    debounce: DEBOUNCE,
                    job: v.job,
                    activityRetry: { firstRetryIntervalInMs: 5000, maxAttempts: 3 },
                }),
            ),
        { host: v.host },
    );
    const store = new RunStore(stack.runs);
    const out: Record<Part, number>[] = [];
    try {
        for (const [i, name] of names.entries()) {
            const body = await toText(classificationCsv({ rows: ROWS, seed: 100 + i }));
            // Taken before the upload: the host runs in this process, so the upload's promise may
            // resolve after the trigger already fired. The 10k-row upload itself takes a few ms.
            const uploaded = Date.now();
            await stack.data.getBlockBlobClient(`${name}/data.csv`).upload(body, Buffer.byteLength(body));
            let record: RunRecord | undefined;
            for (const deadline = Date.now() + 300_000; !record; await sleep(100)) {
                if (Date.now() > deadline) throw new Error(`${name}: no run record within 5 minutes`);
                record = (await store.listRuns(name, 1).catch(() => []))[0];
            }
            if (record.state !== 'Promoted') throw new Error(`${name}: run ended ${record.state}: ${record.reason}`);
            // The instance row, not the status API: that one rounds times to the second.
            const status = await stack.host.durable.store.getInstance(record.instanceId);
            const job = stack.job(record.job!.jobId);
            if (!status || !job?.startedAt || !job.endedAt) throw new Error(`${name}: missing instance or job times`);
            const t = (step: string): number => Date.parse(record.timings[step]);
            const jobMs = Date.parse(job.endedAt) - Date.parse(job.startedAt);
            const parts = {
                detection: status.createdTime.getTime() - uploaded,
                debounce: t('collecting') - t('debouncing'),
                'collect+submit': t('training') - t('collecting'),
                'training (BES job)': jobMs,
                'poll lag': t('evaluating') - Date.parse(job.endedAt),
                evaluation: t('promoting') - t('evaluating'),
                promotion: t('verifying') - t('promoting'),
                verification: t('recording') - t('verifying'),
                total: t('recording') - uploaded,
            };
            const overhead =
                parts.total -
                parts.detection -
                parts.debounce -
                jobMs -
                parts.evaluation -
                parts.promotion -
                parts.verification;
            const row = {
                ...parts,
                'orchestration overhead': overhead,
                'overhead % of total': (overhead / parts.total) * 100,
            };
            if (i > 0) out.push(row);
            console.error(`${variant} ${name}${i === 0 ? ' (warm-up)' : ''}: total ${parts.total} ms`);
        }
    } finally {
        await stack.stop();
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function main(): Promise<void> {
    const results: Record<string, Record<string, Summary>> = {};
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
        const child = promisify(execFile)(process.execPath, [__filename, '--variant', variant], {
            encoding: 'utf8',
            maxBuffer: 16 * 1024 * 1024,
        });
        child.child.stderr?.pipe(process.stderr);
        const { stdout: out } = await child;
        const runs = JSON.parse(out.trim().split('\n').pop()!) as Record<Part, number>[];
        results[variant] = Object.fromEntries(PARTS.map((p) => [p, summarize(runs.map((r) => r[p]))]));
    }
    const table = [['part (ms; % row in %)', ...Object.keys(results).map((v) => `${v}: median (min–max)`)]];
    for (const p of PARTS) table.push([p, ...Object.values(results).map((r) => fmt(r[p], 0))]);
    printTable(table);
    console.log(`\n${RUNS} runs per variant after one warm-up, ${ROWS}-row churn file, debounce quiet 500 ms.`);
    await saveResults('freshness', { rows: ROWS, runs: RUNS, debounce: DEBOUNCE, variants: VARIANTS, results });
}

runVariantsEntry<Variant>(main, runVariant);
