import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AppUnderTest, startApp } from '../../../functions/appHost';
import { housesTarget } from '../../../helpers/demoTargets';

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
        for (let i = 0; i < 100 && !app.logs.some((l) => l.includes("Ignored 'houses/x.txt'")); i++)
            await new Promise((ok) => setTimeout(ok, 100));
        assert.ok(
            app.logs.some((l) => l.includes("Ignored 'houses/x.txt'")),
            app.logs.slice(-20).join('\n'),
        );
    });
});
