import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { startSampleHost } from '../sampleHost';

/** A schedule the real host would never fire (5 fields: no seconds) stops the dev host at start-up. */
describe('dev host timer schedules', () => {
    it('refuses a 5-field NCRONTAB host timer schedule at start-up, naming the function', async () => {
        await assert.rejects(
            startSampleHost({ SAMPLE_TICK: '*/5 * * * *' }),
            /Timer 'Tick' schedule '\*\/5 \* \* \* \*' has 5 fields/,
        );
    });
});
