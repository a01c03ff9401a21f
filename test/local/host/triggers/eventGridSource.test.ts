import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AppUnderTest, startApp } from '../../../functions/appHost';
import { housesTarget } from '../../../helpers/demoTargets';
import { eventually } from '../../../helpers/environment';

/** The app's blob trigger declares source EventGrid (Flex Consumption); offline the host scans for it. */
describe('Event Grid-sourced blob trigger on the dev host', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [housesTarget(w)]);
    });
    after(() => app?.stop());

    it('says it stands in for Event Grid by scanning, and still fires on a new blob', async () => {
        assert.ok(
            app.logs.some((l) => l.includes('Blob triggers with source EventGrid: the dev host scans every 200 ms')),
            app.logs.join('\n'),
        );
        await app.data.getBlockBlobClient('houses/x.txt').upload('not csv', 7);
        await eventually(
            () => (app.logs.some((l) => l.includes("Ignored 'houses/x.txt'")) ? true : undefined),
            () => `the blob to be ignored; host log:\n${app.logs.slice(-20).join('\n')}`,
        );
    });
});
