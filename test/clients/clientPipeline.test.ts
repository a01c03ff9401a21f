import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { AccessToken, TokenCredential } from '@azure/core-auth';

import { ClientPipeline, retryBudget, ServiceRequest } from '../../src/clients/clientPipeline';
import { isMlServiceError, MlServiceError } from '../../src/clients/errors';
import { ClientOptions, DEFAULT_RETRY } from '../../src/clients/options';
import { SecretSet } from '../../src/clients/redact';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { validateConfig } from '../../src/retraining/config';
import { attemptLog } from './attemptLog';
import { ScriptedServer } from './scriptedServer';

const KEY = 'pipeline-test-api-key-0123456789';
const quiet = { error() {}, warning() {}, info() {}, verbose() {} };

async function rejection(p: Promise<unknown>): Promise<MlServiceError> {
    try {
        await p;
    } catch (e: unknown) {
        assert.ok(isMlServiceError(e), `expected MlServiceError, got ${String(e)}`);
        return e;
    }
    assert.fail('expected a rejection');
}

describe('ClientPipeline (core-rest-pipeline)', () => {
    let server: ScriptedServer;
    before(async () => {
        server = await ScriptedServer.start();
    });
    after(() => server.close());

    const pipeline = (options: ClientOptions = {}): ClientPipeline =>
        new ClientPipeline('test', { apiKey: KEY }, new SecretSet(), { logger: quiet, ...options });
    const req = (extra: Partial<ServiceRequest> = {}): ServiceRequest => ({
        operation: 'TEST op',
        method: 'POST',
        url: `${server.url}/x`,
        body: { a: 1 },
        expectedStatus: [200],
        ...extra,
    });
    const gaps = (): number[] => server.requests.slice(1).map((r, i) => r.atInMs - server.requests[i].atInMs);

    it('lists its policies in order, and the worst-case attempts of one call', async () => {
        assert.deepEqual(pipeline().policyNames(), [
            'defaultRetryPolicy',
            'retrainerApiKeyPolicy',
            'retrainerRedactionPolicy',
            'retrainerLogPolicy',
        ]);
        const credential: TokenCredential = { getToken: () => Promise.resolve(null) };
        const arm = new ClientPipeline('arm', { credential, scope: 's' }, new SecretSet(), { logger: quiet });
        assert.deepEqual(arm.policyNames(), [
            'defaultRetryPolicy',
            'retrainerBearerTokenPolicy',
            'retrainerRedactionPolicy',
            'retrainerLogPolicy',
        ]);

        // The activity layer's default, as the config schema fills it in.
        registerEmulatorCredential();
        const sample = JSON.parse(
            readFileSync(path.resolve(__dirname, '../../../retrainer.config.sample.json'), 'utf8'),
        );
        const activityAttempts = validateConfig(sample).targets[0].activityRetry.maxAttempts;
        const budget = retryBudget({}, activityAttempts);
        assert.deepEqual(budget, {
            attemptsPerActivityAttempt: DEFAULT_RETRY.maxRetries + 1,
            attemptsPerCall: (DEFAULT_RETRY.maxRetries + 1) * activityAttempts,
            maxTimePerActivityAttemptInMs: DEFAULT_RETRY.maxRetryTimeInMs,
        });
        assert.equal(budget.attemptsPerCall, 9, 'docs/architecture.md states 3 x 3');

        // One activity attempt really makes that many HTTP attempts when the service keeps failing.
        server.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 200 });
        const err = await rejection(pipeline({ retryOptions: { retryDelayInMs: 1 } }).send(req()));
        assert.equal(err.statusCode, 503);
        assert.equal(server.requests.length, budget.attemptsPerActivityAttempt);
    });

    it('sends the bearer key and JSON body, parses the JSON reply', async () => {
        server.script({ status: 200, body: 'job-1', headers: { 'x-ms-request-id': 'rid-1' } });
        const res = await pipeline().send(req());
        assert.equal(res.body, 'job-1');
        assert.equal(res.requestId, 'rid-1');
        assert.equal(server.requests[0]?.headers.authorization, `Bearer ${KEY}`);
        assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), { a: 1 });
    });

    it('honours Retry-After on 429 (seconds) and retry-after-ms on 503 before retrying', async () => {
        const log = attemptLog();
        server.script(
            { status: 429, headers: { 'retry-after': '1' } },
            { status: 503, headers: { 'retry-after-ms': '300' } },
            { status: 200, body: 'ok' },
        );
        const res = await pipeline({ logger: log.logger }).send(req());
        assert.equal(res.body, 'ok');
        assert.equal(server.requests.length, 3);
        const [first, second] = log.waitsInMs();
        assert.ok(first !== undefined && first >= 998, `waited ${first} ms after Retry-After: 1`);
        assert.ok(second !== undefined && second >= 298, `waited ${second} ms after retry-after-ms: 300`);
        assert.ok(gaps()[0] >= 998, 'the server saw the retry no sooner');
    });

    it('retries 503 and 500 without Retry-After (backoff), then succeeds', async () => {
        server.script({ status: 503 }, { status: 500 }, { status: 200, body: 'ok' });
        const res = await pipeline({ retryOptions: { retryDelayInMs: 5 } }).send(req());
        assert.equal(res.body, 'ok');
        assert.equal(server.requests.length, 3);
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

    it('gives up after maxRetries with the last error, marked transient for the activity layer', async () => {
        server.script({ status: 500 }, { status: 500 }, { status: 500 });
        const err = await rejection(pipeline({ retryOptions: { maxRetries: 1, retryDelayInMs: 1 } }).send(req()));
        assert.equal(server.requests.length, 2);
        assert.equal(err.statusCode, 500);
        assert.equal(err.transient, true);
    });

    it('stops with DeadlineExceeded when a Retry-After would pass the call budget', async () => {
        server.script({ status: 429, headers: { 'retry-after': '30' } }, { status: 200 });
        const err = await rejection(pipeline({ retryOptions: { maxRetryTimeInMs: 300 } }).send(req()));
        assert.equal(err.code, 'DeadlineExceeded');
        assert.equal(err.statusCode, undefined);
        assert.equal(err.transient, true);
        assert.equal(server.requests.length, 1);
    });

    it('fails a stalled attempt with Timeout (transient) and leaves its retry to the activity layer', async () => {
        server.script({ status: 200, body: 'late', delayInMs: 2000 }, { status: 200, body: 'fast' });
        const err = await rejection(pipeline({ timeoutInMs: 100 }).send(req()));
        assert.equal(err.code, 'Timeout');
        assert.equal(err.statusCode, undefined);
        assert.equal(err.transient, true);
        assert.equal(server.requests.length, 1);
    });

    it('maps connection failures to NetworkError after retrying them', async () => {
        const closed = await ScriptedServer.start();
        const url = closed.url;
        await closed.close();
        const log = attemptLog();
        const err = await rejection(
            pipeline({ logger: log.logger, retryOptions: { maxRetries: 1, retryDelayInMs: 1 } }).send(
                req({ url: `${url}/x` }),
            ),
        );
        assert.equal(err.code, 'NetworkError');
        assert.match(err.message, /ECONNREFUSED/);
        assert.equal(err.transient, true);
        assert.equal(log.lines.filter((l) => / attempt \d+: POST /.test(l)).length, 2, log.lines.join('\n'));
    });

    for (const [when, first] of [
        ['during an attempt', { status: 200, delayInMs: 5000 }],
        ['while waiting out a Retry-After', { status: 429, headers: { 'retry-after': '30' } }],
    ] as const) {
        it(`aborts ${when}, and does not retry`, async () => {
            server.script(first, { status: 200 });
            const ac = new AbortController();
            const sent = pipeline().send(req({ options: { abortSignal: ac.signal } }));
            await server.received(1);
            ac.abort();
            const err = await rejection(sent);
            assert.equal(err.code, 'Aborted');
            assert.equal(err.transient, false);
            assert.equal(server.requests.length, 1);
        });
    }

    it('keeps the key and SAS out of messages and log lines even when the service echoes them', async () => {
        const log = attemptLog();
        server.script(
            { status: 503, body: { error: { code: 'ServiceUnavailable', message: `key ${KEY} throttled` } } },
            { status: 401, body: { error: { code: 'Unauthorized', message: `Bearer ${KEY} is not valid; sig=abc` } } },
        );
        const err = await rejection(pipeline({ logger: log.logger, retryOptions: { retryDelayInMs: 1 } }).send(req()));
        assert.equal(err.statusCode, 401);
        for (const s of [err.message, String(err), JSON.stringify(err), err.stack ?? '', ...log.lines]) {
            assert.ok(!s.includes(KEY), `key leaked in: ${s}`);
            assert.ok(!s.includes('sig=abc'), `sig leaked in: ${s}`);
        }
        assert.ok(
            log.lines.some((l) => /attempt 1: HTTP 503/.test(l)),
            'the retried attempt was logged',
        );
    });

    it('learns each bearer token it sends, and reports a failing credential without its message', async () => {
        let n = 0;
        const credential: TokenCredential = {
            getToken: (): Promise<AccessToken> =>
                Promise.resolve({ token: `minted-token-${++n}-abcdef`, expiresOnTimestamp: Date.now() + 60_000 }),
        };
        const secrets = new SecretSet();
        const arm = new ClientPipeline('arm', { credential, scope: 's' }, secrets, { logger: quiet });
        server.script({ status: 200 });
        await arm.send(req());
        assert.equal(server.requests[0]?.headers.authorization, 'Bearer minted-token-1-abcdef');
        assert.equal(secrets.redact('saw minted-token-1-abcdef'), 'saw REDACTED');

        const failing: TokenCredential = {
            getToken: () => Promise.reject(new Error('AADSTS7000215: client secret s3cr3t-value is wrong')),
        };
        server.script({ status: 200 });
        const err = await rejection(
            new ClientPipeline('arm', { credential: failing, scope: 's' }, new SecretSet(), { logger: quiet }).send(
                req(),
            ),
        );
        assert.equal(err.code, 'AuthenticationFailed');
        assert.ok(!err.message.includes('s3cr3t'));
        assert.equal(server.requests.length, 0, 'nothing was sent without a token');
    });
});
