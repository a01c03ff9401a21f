import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CATCH_UP_REPORT_BLOB, CatchUpReport } from '../../src/functions/shared/catchUp';
import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget } from '../helpers/demoTargets';
import { eventually } from '../helpers/environment';
import { AppUnderTest, startApp } from '../functions/appHost';

/**
 * The look for new data after a run, end to end through the dev host: on a window target that
 * quarantines a Rejected run's files, the rejection pulls an older file into the window. That file
 * was listed by the run (left out by the window), so it is no new data: no run follows. (It used to
 * start one, named after that old file, which was rejected and quarantined the next one, and so on;
 * and the timer's catch-up pass, finding a set no run had judged, would have started it later.)
 */
describe('no follow-up run for a file that only slid into the window', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp(
            (w) => [
                churnTarget(w, {
                    // One run for the burst of three uploads below: it lists them all.
                    debounce: { quietPeriodInMs: 5_000, maxWaitInMs: 5_000 },
                    // No model reaches it: every run is Rejected.
                    gate: { thresholds: [{ metric: 'AUC', threshold: 0.999 }] },
                    dataPolicy: { trainOn: 'window', lastFiles: 1, onRejected: 'quarantine' },
                }),
            ],
            // The catch-up pass every second: it must not start the slid-in file either.
            { RETRAINER_TIMER_SCHEDULE: '*/1 * * * * *' },
        );
    });
    after(() => app?.stop());

    const api = <T>(p: string): Promise<T> => app.get<T>(p);

    it('a Rejected run quarantines its window; the files that slide in start nothing', async () => {
        for (const [i, name] of ['churn/a.csv', 'churn/b.csv', 'churn/c.csv'].entries()) {
            const text = await toText(classificationCsv({ rows: 400, seed: 20 + i }));
            await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
        }
        await app.settled();
        // A catch-up pass that began after the app settled has judged the data too.
        const settledAt = Date.now();
        await eventually(
            async () => {
                const blob = app.runsContainer.getBlockBlobClient(CATCH_UP_REPORT_BLOB);
                const report = (await blob.exists())
                    ? (JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as CatchUpReport)
                    : undefined;
                return report && Date.parse(report.checkedAt) > settledAt + 1_000 ? report : undefined;
            },
            () => `a catch-up pass after the run; host log:\n${app.logs.slice(-20).join('\n')}`,
            60_000,
        );
        await app.settled();

        const runs = await api<RunRecord[]>('runs?target=churn');
        assert.equal(runs.length, 1, runs.map((r) => `${r.state} ${JSON.stringify(r.trigger)}`).join('\n'));
        const [run] = runs;
        assert.equal(run.state, 'Rejected', run.reason);
        assert.equal(run.manifest?.blobs.length, 1, 'the window trained one file');
        const trained = run.manifest.blobs[0].name;
        assert.deepEqual(
            run.manifest?.leftOut?.map((f) => f.why),
            ['window', 'window'],
        );

        const data = await api<{ files: { name: string; state: string }[] }>('data/churn');
        const states = Object.fromEntries(data.files.map((f) => [f.name, f.state]));
        assert.equal(states[trained], 'quarantined');
        assert.deepEqual(
            Object.entries(states)
                .filter(([name]) => name !== trained)
                .map(([, state]) => state),
            ['included', 'included'],
            JSON.stringify(states),
        );
    });
});
