import { RunRecord } from '../../src/orchestrators/contracts';
import { RunStore } from '../../src/retraining/runStore';
import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import { testStorage } from '../helpers/azurite';
import { churnTarget, housesTarget, Where } from '../helpers/demoTargets';
import { Counts, countingStorage, diff, total } from './lib/countingProxy';
import { printTable, saveResults } from './lib/report';
import { startStack } from './lib/stack';
import { sleep } from './lib/stats';

/**
 * What one retrain costs in calls: BES, classic management / ARM, RRS (verification) and storage
 * transactions, for a 1-minute and a 10-minute training job, on a classic target (churn) and an
 * ARM target (houses).
 *
 * Time is scaled by SCALE: the job lasts 60 s / SCALE (the emulator's jobDurationInMs fault) and
 * every interval of the config that paces calls is divided by the same factor (job poll initial
 * 5 s and max 10 min, debounce, ARM operation poll, activity retry), so the poll schedule relative
 * to the job is the default one and the counts are what the real durations would give. What is not
 * scaled is the engine's own latency (dispatch, activity run), which makes each poll interval a
 * little longer than scheduled; the table shows the count the unscaled schedule gives next to the
 * measured one. Storage: every request through counting proxies in front of Azurite; the dev
 * host's idle polling (blob scan, queues, durable tables) is measured before the runs and its rate
 * times each run's duration is subtracted, leaving the retrain's own transactions.
 */

const SCALE = Number(process.env.BENCH_COST_SCALE ?? 20);
const JOB_MINUTES = [1, 10];
const DEFAULT_POLL = { initial: 5000, max: 600_000 };
const IDLE_MS = 10_000;

const STUDIO_GROUPS: Record<string, string[]> = {
    BES: ['submitJob', 'startJob', 'getJobStatus', 'cancelJob'],
    'BES status polls': ['getJobStatus'],
    'classic management': [
        'listWebServices',
        'getWebService',
        'listEndpoints',
        'getEndpoint',
        'addEndpoint',
        'patchEndpoint',
        'deleteEndpoint',
    ],
    ARM: ['armGet', 'armPut', 'armPatch', 'armOperation', 'armListKeys'],
    'RRS (smoke test)': ['execute'],
};

/** Status calls the orchestrator's schedule makes for a job of `jobMs`: one at once, then on a doubling timer. */
export function scheduledPolls(jobMs: number, initial: number, max: number): number {
    let polls = 1;
    let t = 0;
    let interval = initial;
    while (t < jobMs) {
        t += interval;
        polls++;
        interval = Math.min(interval * 2, max);
    }
    return polls;
}

const scaled = (ms: number): number => Math.max(1, Math.round(ms / SCALE));

function timing(): Record<string, unknown> {
    return {
        debounce: { quietPeriodInMs: scaled(60_000), maxWaitInMs: scaled(600_000) },
        job: {
            deadlineInMs: scaled(7_200_000),
            pollInitialIntervalInMs: scaled(DEFAULT_POLL.initial),
            pollMaxIntervalInMs: scaled(DEFAULT_POLL.max),
        },
        activityRetry: { firstRetryIntervalInMs: scaled(5000), maxAttempts: 3 },
    };
}

interface RunCost {
    target: string;
    kind: 'classic' | 'arm';
    jobMinutes: number;
    state: string;
    studio: Record<string, number>;
    scheduledStatusPolls: number;
    storage: Counts;
    storageTotal: number;
    storageBackground: number;
    storageRetrain: number;
    seconds: number;
}

async function main(): Promise<void> {
    const azurite = await testStorage();
    const counting = await countingStorage(azurite);
    const cases = JOB_MINUTES.flatMap((m) => [
        { name: `churn-${m}m`, kind: 'classic' as const, minutes: m },
        { name: `houses-${m}m`, kind: 'arm' as const, minutes: m },
    ]);
    const targets = (w: Where): Record<string, unknown>[] =>
        cases.map((c) => {
            // Built under the case's name, so its update block names the case's own endpoint.
            const base = c.kind === 'classic' ? churnTarget(w, { name: c.name }) : housesTarget(w, { name: c.name });
            const data = { ...(base.data as object), prefixPattern: `${c.name}/*.csv` };
            const update =
                c.kind === 'arm' ? { ...(base.update as object), pollIntervalInMs: scaled(2000) } : base.update;
            const over = { name: c.name, data, update, ...timing() };
            return c.kind === 'classic' ? churnTarget(w, over) : housesTarget(w, over);
        });
    const stack = await startStack(targets, {
        appConnectionString: counting.connectionString,
        studioConnectionString: counting.connectionString,
    });
    const store = new RunStore(stack.runs);
    const results: RunCost[] = [];
    let idleRate: Counts;
    try {
        // The host's background polling, with nothing to do.
        await sleep(2000);
        const idleFrom = counting.snapshot();
        await sleep(IDLE_MS);
        const idle = diff(counting.snapshot(), idleFrom);
        idleRate = Object.fromEntries(Object.entries(idle).map(([k, v]) => [k, v / IDLE_MS]));

        for (const c of cases) {
            const jobMs = c.minutes * 60_000;
            stack.studio.faults.set(c.kind === 'classic' ? 'churn-training' : 'houses-training', {
                jobDurationInMs: scaled(jobMs),
            });
            const csv = await toText(
                c.kind === 'classic'
                    ? classificationCsv({ rows: 5000, seed: 11 })
                    : regressionCsv({ rows: 5000, seed: 11 }),
            );
            const studioBefore = stack.studio.stats().operations;
            const storageBefore = counting.snapshot();
            const started = Date.now();
            await stack.data.getBlockBlobClient(`${c.name}/data.csv`).upload(csv, Buffer.byteLength(csv));
            let record: RunRecord | undefined;
            for (const deadline = Date.now() + 600_000; !record; await sleep(200)) {
                if (Date.now() > deadline) throw new Error(`${c.name}: no run record within 10 minutes`);
                record = (await store.listRuns(c.name, 1).catch(() => []))[0];
            }
            // Let the orchestration finish writing its completion.
            await sleep(2000);
            const ms = Date.now() - started;
            const storage = diff(counting.snapshot(), storageBefore);
            const studioOps = diff(stack.studio.stats().operations, studioBefore);
            const studio = Object.fromEntries(
                Object.entries(STUDIO_GROUPS).map(([g, ops]) => [
                    g,
                    ops.reduce((a, op) => a + (studioOps[op] ?? 0), 0),
                ]),
            );
            const background = Math.round(Object.values(idleRate).reduce((a, r) => a + r * ms, 0));
            const storageTotal = total(storage);
            results.push({
                target: c.name,
                kind: c.kind,
                jobMinutes: c.minutes,
                state: record.state,
                studio,
                scheduledStatusPolls: scheduledPolls(jobMs, DEFAULT_POLL.initial, DEFAULT_POLL.max),
                storage,
                storageTotal,
                storageBackground: background,
                storageRetrain: storageTotal - background,
                seconds: ms / 1000,
            });
            console.error(`${c.name}: ${record.state} in ${(ms / 1000).toFixed(1)} s (scaled x${SCALE})`);
        }
    } finally {
        await stack.stop();
        await counting.close();
    }
    const table = [
        [
            'target',
            'job',
            'state',
            'BES',
            'status polls (measured / schedule)',
            'classic mgmt',
            'ARM',
            'RRS',
            'storage: all − idle = retrain',
        ],
    ];
    for (const r of results) {
        table.push([
            r.target,
            `${r.jobMinutes} min`,
            r.state,
            String(r.studio.BES),
            `${r.studio['BES status polls']} / ${r.scheduledStatusPolls}`,
            String(r.studio['classic management']),
            String(r.studio.ARM),
            String(r.studio['RRS (smoke test)']),
            `${r.storageTotal} − ${r.storageBackground} = ${r.storageRetrain}`,
        ]);
    }
    printTable(table);
    const growth = [1, 2, 5, 10, 30, 60, 120].map((m) => ({
        jobMinutes: m,
        defaultSchedule: scheduledPolls(m * 60_000, DEFAULT_POLL.initial, DEFAULT_POLL.max),
        uncapped: scheduledPolls(m * 60_000, DEFAULT_POLL.initial, Number.MAX_SAFE_INTEGER),
    }));
    console.log(
        '\nStatus polls the schedule makes by job length (initial 5 s, doubling; default cap 10 min vs no cap):',
    );
    printTable([
        ['job minutes', 'default (cap 10 min)', 'no cap'],
        ...growth.map((g) => [String(g.jobMinutes), String(g.defaultSchedule), String(g.uncapped)]),
    ]);
    console.log(
        `\nTime scaled x${SCALE} (see the file's comment); idle storage rate measured over ${IDLE_MS / 1000} s.`,
    );
    await saveResults('cost', {
        scale: SCALE,
        idleRatePerSecond: mapValues(idleRate!, (v) => v * 1000),
        runs: results,
        growth,
    });
}

function mapValues(o: Counts, f: (v: number) => number): Counts {
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, +f(v).toFixed(2)]));
}

main().then(
    () => process.exit(0),
    (err: unknown) => {
        console.error(err);
        process.exit(1);
    },
);
