import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { regressionCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { RunStore } from '../../src/retraining/runStore';
import { housesTarget } from '../helpers/demoTargets';
import { eventually } from '../helpers/environment';
import { AppUnderTest, startApp } from './appHost';

/** Scheduled retrains through the dev host's timer: skip without new data, train once with it. */
describe('scheduled retraining through the dev host', () => {
    let app: AppUnderTest;
    let runs: RunStore;
    before(async () => {
        app = await startApp(
            (w) => [
                housesTarget(w, { schedule: '*/1 * * * * *', debounce: { quietPeriodInMs: 300, maxWaitInMs: 2000 } }),
            ],
            { RETRAINER_TIMER_SCHEDULE: '*/1 * * * * *' },
        );
        runs = new RunStore(app.runsContainer);
    });
    after(() => app?.stop());

    const upload = async (name: string, text: string): Promise<void> =>
        void (await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text)));

    const waitFor = (check: (r: RunRecord[]) => boolean, what: string): Promise<RunRecord[]> =>
        eventually(
            async () => {
                const all = await runs.listRuns('houses');
                return check(all) ? all : undefined;
            },
            () => `${what}; host log:\n${app.logs.slice(-30).join('\n')}`,
            90_000,
            100,
        );

    it('skips with a recorded reason while there is no data', async () => {
        const all = await waitFor((r) => r.length > 0, 'no scheduled run happened');
        assert.equal(all.at(-1)!.state, 'Skipped');
        assert.equal(all.at(-1)!.trigger.kind, 'timer');
        assert.match(all.at(-1)!.reason!, /No training data/);
        assert.equal(app.studio.stats().operations.submitJob ?? 0, 0);
    });

    it('trains once when data arrives, then skips ticks that bring nothing new', async () => {
        await upload('houses/h.csv', await toText(regressionCsv({ rows: 1500, seed: 8 })));
        const all = await waitFor((r) => r.some((x) => x.state === 'Promoted'), 'the data was never trained');
        const promotedAt = all.findIndex((x) => x.state === 'Promoted');
        const later = await waitFor(
            (r) =>
                r.length >= all.length - promotedAt + promotedAt + 2 &&
                r[0].state === 'Skipped' &&
                r.findIndex((x) => x.state === 'Promoted') >= 2,
            'no later tick was recorded',
        );
        const newer = later.slice(
            0,
            later.findIndex((x) => x.state === 'Promoted'),
        );
        assert.ok(newer.length >= 2);
        for (const r of newer) {
            assert.equal(r.state, 'Skipped');
            assert.match(r.reason!, /already used by run/);
        }
        assert.equal(app.studio.stats().operations.submitJob, 1, 'one BES job for one data set');
    });
});
