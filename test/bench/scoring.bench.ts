import autocannon from 'autocannon';

import { classificationCsv, toText } from '../../src/local/samples';
import { retrainedKey } from '../helpers/demoTargets';
import { testStorage } from '../helpers/azurite';
import { bindChurnModel, CHURN_FEATURES } from './lib/bindModel';
import { printTable, saveResults } from './lib/report';
import { fmt, summarize, Summary } from './lib/stats';
import { startStudioProcess } from './lib/studioProcess';

/**
 * RRS scoring on the studio emulator (its own process, request log on): a trained churn model is
 * bound to the classic endpoint `retrained`, then autocannon (in this process) posts
 * `execute?api-version=2.0&details=true` requests of 1 and of 100 rows at 1, 8 and 64
 * connections, DURATION s per run, REPEATS runs per case. Rows/s = requests/s x rows per request.
 */

const CONNECTIONS = [1, 8, 64];
const BATCHES = [1, 100];
const DURATION = Number(process.env.BENCH_SCORING_SECONDS ?? 2);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

interface Case {
    connections: number;
    rowsPerRequest: number;
    rowsPerSecond: Summary;
    p50Ms: Summary;
    p99Ms: Summary;
    requests: number;
    errors: number;
}

async function main(): Promise<void> {
    const storage = await testStorage();
    const studio = await startStudioProcess(storage.connectionString);
    const cases: Case[] = [];
    try {
        await bindChurnModel(studio.url, storage.connectionString);
        const sample = (await toText(classificationCsv({ rows: 100, seed: 9 })))
            .trim()
            .split('\n')
            .slice(1)
            .map((l) => l.split(',').slice(0, CHURN_FEATURES.length));
        const url = `${studio.url}/workspaces/ws-demo/services/churn-retrained/execute?api-version=2.0&details=true`;
        for (const rowsPerRequest of BATCHES) {
            const body = JSON.stringify({
                Inputs: { input1: { ColumnNames: CHURN_FEATURES, Values: sample.slice(0, rowsPerRequest) } },
                GlobalParameters: {},
            });
            const check = await fetch(url, {
                method: 'POST',
                headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
                body,
            });
            if (check.status !== 200) throw new Error(`RRS answered ${check.status}: ${await check.text()}`);
            // Warm-up: the first second of a fresh process is JIT compilation, not the steady state.
            await autocannon({
                url,
                method: 'POST',
                connections: 8,
                duration: 1,
                headers: { authorization: `Bearer ${retrainedKey}`, 'content-type': 'application/json' },
                body,
            });
            for (const connections of CONNECTIONS) {
                const runs: autocannon.Result[] = [];
                for (let i = 0; i < REPEATS; i++) {
                    runs.push(
                        await autocannon({
                            url,
                            method: 'POST',
                            connections,
                            duration: DURATION,
                            headers: { authorization: `Bearer ${retrainedKey}`, 'content-type': 'application/json' },
                            body,
                        }),
                    );
                }
                cases.push({
                    connections,
                    rowsPerRequest,
                    rowsPerSecond: summarize(runs.map((r) => r.requests.average * rowsPerRequest)),
                    p50Ms: summarize(runs.map((r) => r.latency.p50)),
                    p99Ms: summarize(runs.map((r) => r.latency.p99)),
                    requests: runs.reduce((a, r) => a + r.requests.total, 0),
                    errors: runs.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
                });
            }
        }
    } finally {
        await studio.stop();
    }
    const table = [['rows/req', 'conns', 'rows/s median (min–max)', 'p50 ms', 'p99 ms', 'requests', 'errors']];
    for (const c of cases) {
        table.push([
            String(c.rowsPerRequest),
            String(c.connections),
            fmt(c.rowsPerSecond, 0),
            fmt(c.p50Ms, 0),
            fmt(c.p99Ms, 0),
            String(c.requests),
            String(c.errors),
        ]);
    }
    printTable(table);
    console.log(`\n${REPEATS} runs of ${DURATION} s per case; studio in its own process with its request log on.`);
    await saveResults('scoring', { durationSeconds: DURATION, repeats: REPEATS, cases });
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
