import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { isMlServiceError, MlServiceError } from '../../src/clients/errors';
import type { ClientOptions } from '../../src/clients/options';
import { HttpPipeline, PipelineRequest } from '../../src/clients/pipeline';
import { SecretSet } from '../../src/clients/redact';
import { recordingSleep, ScriptedServer } from './scriptedServer';

const KEY = 'pipeline-test-api-key-0123456789';

async function rejection(p: Promise<unknown>): Promise<MlServiceError> {
    try {
        await p;
    } catch (e: unknown) {
        assert.ok(isMlServiceError(e), `expected MlServiceError, got ${String(e)}`);
        return e;
    }
    assert.fail('expected a rejection');
}

describe('HttpPipeline', () => {
    let server: ScriptedServer;
    before(async () => {
        server = await ScriptedServer.start();
    });
    after(() => server.close());

    function pipeline(options: ClientOptions = {}): HttpPipeline {
        return new HttpPipeline('test', () => Promise.resolve(`Bearer ${KEY}`), new SecretSet([KEY]), {
            logger: { error() {}, warning() {}, info() {}, verbose() {} },
            ...options,
        });
    }
    const req = (extra: Partial<PipelineRequest> = {}): PipelineRequest => ({
        operation: 'TEST op',
        method: 'POST',
        url: `${server.url}/x`,
        body: { a: 1 },
        expectedStatus: [200],
        ...extra,
    });

    it('sends the bearer key and JSON body, parses the JSON reply', async () => {
        server.script({ status: 200, body: 'job-1', headers: { 'x-ms-request-id': 'rid-1' } });
        const res = await pipeline().send(req());
        assert.equal(res.body, 'job-1');
        assert.equal(res.requestId, 'rid-1');
        assert.equal(server.requests[0]?.headers.authorization, `Bearer ${KEY}`);
        assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), { a: 1 });
    });

    it('honours Retry-After on 429 (seconds) before retrying', async () => {
        const { waits, sleep } = recordingSleep();
        server.script({ status: 429, headers: { 'retry-after': '2' } }, { status: 200, body: 'ok' });
        const res = await pipeline({ sleep }).send(req());
        assert.equal(res.body, 'ok');
        assert.equal(server.requests.length, 2);
        assert.deepEqual(waits, [2000]);
    });

    it('retries 503 with jittered backoff, then succeeds', async () => {
        const { waits, sleep } = recordingSleep();
        server.script({ status: 503 }, { status: 503 }, { status: 200, body: 'ok' });
        const p = pipeline({ sleep, random: () => 0.5, retryOptions: { retryDelayInMs: 100 } });
        assert.equal((await p.send(req())).body, 'ok');
        assert.deepEqual(waits, [100, 200]);
    });

    it('does not retry a permanent 400 and names operation, codes and request id', async () => {
        server.script({
            status: 400,
            headers: { 'x-ms-request-id': 'rid-400' },
            body: {
                error: {
                    code: 'BadArgument',
                    message: 'Invalid output',
                    details: [{ code: 'InvalidBlobExtension', target: 'output1', message: 'must end .ilearner' }],
                },
            },
        });
        const err = await rejection(pipeline().send(req()));
        assert.equal(server.requests.length, 1);
        assert.equal(err.statusCode, 400);
        assert.equal(err.code, 'BadArgument');
        assert.equal(err.innerCode, 'InvalidBlobExtension');
        assert.equal(err.requestId, 'rid-400');
        assert.equal(err.transient, false);
        assert.match(err.message, /^TEST op failed: 400 BadArgument \(InvalidBlobExtension\) Invalid output/);
    });

    it('gives up after maxRetries with the last error', async () => {
        const { sleep } = recordingSleep();
        server.script({ status: 500 }, { status: 500 }, { status: 500 });
        const err = await rejection(pipeline({ sleep, retryOptions: { maxRetries: 2 } }).send(req()));
        assert.equal(server.requests.length, 3);
        assert.equal(err.statusCode, 500);
        assert.equal(err.transient, true);
    });

    it('stops with DeadlineExceeded when a Retry-After would pass the total budget', async () => {
        const clock = { t: 0 };
        const { waits, sleep } = recordingSleep(clock);
        server.script(
            { status: 429, headers: { 'retry-after': '1' } },
            { status: 429, headers: { 'retry-after': '5' } },
        );
        const p = pipeline({ sleep, now: () => clock.t, retryOptions: { maxRetryTimeInMs: 4000 } });
        const err = await rejection(p.send(req()));
        assert.equal(err.code, 'DeadlineExceeded');
        assert.equal(err.statusCode, undefined);
        assert.deepEqual(waits, [1000]);
        assert.equal(server.requests.length, 2);
    });

    it('times out a slow attempt and retries it', async () => {
        const { sleep } = recordingSleep();
        server.script({ status: 200, body: 'late', delayInMs: 1000 }, { status: 200, body: 'fast' });
        const res = await pipeline({ sleep, timeoutInMs: 100 }).send(req());
        assert.equal(res.body, 'fast');
    });

    it('reports Timeout without a status when every attempt is slow', async () => {
        const { sleep } = recordingSleep();
        server.script({ status: 200, delayInMs: 1000 });
        const err = await rejection(pipeline({ sleep, timeoutInMs: 50, retryOptions: { maxRetries: 0 } }).send(req()));
        assert.equal(err.code, 'Timeout');
        assert.equal(err.statusCode, undefined);
    });

    it('maps connection failures to NetworkError', async () => {
        const { sleep } = recordingSleep();
        const closed = await ScriptedServer.start();
        const url = closed.url;
        await closed.close();
        const err = await rejection(
            pipeline({ sleep, retryOptions: { maxRetries: 1 } }).send(req({ url: `${url}/x` })),
        );
        assert.equal(err.code, 'NetworkError');
        assert.equal(err.transient, true);
    });

    it('aborts an in-flight request and does not retry', async () => {
        server.script({ status: 200, delayInMs: 2000 }, { status: 200 });
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 50);
        const err = await rejection(pipeline().send(req({ options: { abortSignal: ac.signal } })));
        assert.equal(err.code, 'Aborted');
        assert.equal(server.requests.length, 1);
    });

    it('keeps the key out of messages even when the service echoes it', async () => {
        const lines: string[] = [];
        const log = (l: string): void => void lines.push(l);
        const { sleep } = recordingSleep();
        server.script(
            { status: 503, body: { error: { code: 'ServiceUnavailable', message: `key ${KEY} throttled` } } },
            { status: 401, body: { error: { code: 'Unauthorized', message: `Bearer ${KEY} is not valid; sig=abc` } } },
        );
        const p = pipeline({ sleep, logger: { error: log, warning: log, info: log, verbose: log } });
        const err = await rejection(p.send(req()));
        for (const s of [err.message, String(err), JSON.stringify(err), err.stack ?? '', ...lines]) {
            assert.ok(!s.includes(KEY), `key leaked in: ${s}`);
            assert.ok(!s.includes('sig=abc'), `sig leaked in: ${s}`);
        }
        assert.ok(lines.length > 0, 'the retry was logged');
    });
});
