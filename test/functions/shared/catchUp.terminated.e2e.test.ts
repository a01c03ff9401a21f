import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import { churnTarget } from '../../helpers/demoTargets';
import { suiteApp } from '../appHost';
import { terminate } from './terminatedHelpers';

/**
 * The timer's catch-up pass records a run terminated from outside (see terminated.e2e.test.ts for
 * the next start doing it). Its own file: the app's config is read once per process.
 */
describe('a run terminated from outside is recorded by the catch-up pass', () => {
    // The timer (and its catch-up pass) every second; a debounce longer than the test.
    const app = suiteApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 600_000, maxWaitInMs: 600_000 } })], {
        RETRAINER_TIMER_SCHEDULE: '*/1 * * * * *',
    });

    it('while debouncing: Cancelled (terminated) with no job; the data is judged again, like a crash', async () => {
        const text = await toText(classificationCsv({ rows: 400, seed: 6 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        await app.atStep('churn', 'debouncing');
        await terminate(app, '');
        const [terminated] = await app.until(
            'the catch-up pass to record the terminated run',
            () => app.runs('churn'),
            (r) => r.some((x) => x.cancellation?.kind === 'terminated'),
        );
        assert.equal(terminated.state, 'Cancelled');
        assert.equal(terminated.reason, 'Terminated from outside while debouncing.');
        assert.equal(terminated.cancellation?.step, 'debouncing');
        assert.equal(terminated.cancellation?.job, undefined);
        // Its data was never judged, so the catch-up pass starts it again: it debounces once more.
        await app.atStep('churn', 'debouncing');
        const once = (await app.runs('churn')).filter((r) => r.cancellation?.kind === 'terminated');
        assert.equal(once.length, 1, 'recorded once, however many passes saw it');
    });
});
