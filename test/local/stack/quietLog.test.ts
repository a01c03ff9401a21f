import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { QuietableLog } from '../../../src/local/stack/quietLog';

/** The studio's request lines while `npm start` seeds the demo: held back, unless they are errors. */
describe('QuietableLog', () => {
    const ok = 'GET /subscriptions/s/resourceGroups/rg/providers/x/jobs/j -> 200 (3 ms) 1f2e';
    const notFound = 'GET /subscriptions/s/resourceGroups/rg/providers/x/onlineEndpoints/e -> 404 (2 ms) 3a4b';
    const unavailable = 'PUT /subscriptions/s/resourceGroups/rg/providers/x/onlineEndpoints/e -> 503 (1 ms) 5c6d';
    const fault = 'internal error: TypeError: boom';

    it('writes every line outside quietly()', () => {
        const out: string[] = [];
        const log = new QuietableLog((l) => out.push(l));
        log.log(ok);
        log.log(notFound);
        assert.deepEqual(out, [ok, notFound]);
    });

    it('drops routine lines of work that succeeds, but writes errors at once', async () => {
        const out: string[] = [];
        const log = new QuietableLog((l) => out.push(l));
        const result = await log.quietly(async () => {
            await Promise.resolve();
            log.log(ok);
            log.log(notFound);
            log.log(unavailable);
            log.log(fault);
            assert.deepEqual(out, [unavailable, fault], 'errors are not held back');
            return 42;
        });
        assert.equal(result, 42);
        log.log(ok);
        assert.deepEqual(out, [unavailable, fault, ok], 'lines after the quiet work are written again');
    });

    it('writes the held lines when the work fails, then rethrows its error', async () => {
        const out: string[] = [];
        const log = new QuietableLog((l) => out.push(l));
        const failure = new Error("The demo's initial training job ended Failed");
        await assert.rejects(
            log.quietly(async () => {
                log.log(ok);
                log.log(notFound);
                await Promise.resolve();
                throw failure;
            }),
            (err) => err === failure,
        );
        assert.deepEqual(out, [ok, notFound]);
        log.log(ok);
        assert.deepEqual(out, [ok, notFound, ok]);
    });
});
