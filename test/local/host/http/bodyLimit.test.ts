import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';

import { memoryLogger } from '../../../../src/local/host/core/log';
import { HostServer } from '../../../../src/local/host/http/server';
import { json } from '../../../../src/local/host/http/types';

/** The host's request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT): 413, never a buffered giant body. */
describe('HostServer body limit', () => {
    let server: HostServer;
    let origin = '';
    const seen: number[] = [];
    before(async () => {
        server = new HostServer(
            [
                (req) => {
                    seen.push(req.body.length);
                    return Promise.resolve(json(200, { bytes: req.body.length }));
                },
            ],
            memoryLogger(),
            1024,
        );
        origin = await server.listen(0);
    });
    after(() => server.close());

    it('passes a body at the limit to the handlers', async () => {
        const res = await fetch(`${origin}/x`, { method: 'POST', body: 'a'.repeat(1024) });
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { bytes: 1024 });
    });

    it('answers 413 for a declared length over the limit without calling a handler', async () => {
        const before = seen.length;
        const res = await fetch(`${origin}/x`, { method: 'POST', body: 'a'.repeat(1025) });
        assert.equal(res.status, 413);
        assert.match(((await res.json()) as { Message: string }).Message, /larger than 1024 bytes/);
        assert.equal(seen.length, before);
    });

    it('answers 413 for a chunked body that grows past the limit', async () => {
        const before = seen.length;
        const status = await new Promise<number>((resolve, reject) => {
            const req = request(`${origin}/x`, { method: 'POST' }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            for (let i = 0; i < 8; i++) req.write('b'.repeat(200));
            req.end();
        });
        assert.equal(status, 413);
        assert.equal(seen.length, before);
    });
});
