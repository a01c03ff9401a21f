import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { SampleHost, startSampleHost } from '../sampleHost';

describe('HTTP trigger through the dev host', () => {
    let s: SampleHost;

    before(async () => {
        s = await startSampleHost({ 'AzureWebJobs.Tick.Disabled': 'true' });
    });

    after(async () => {
        await s.host.stop();
    });

    it('serves an anonymous route with an optional parameter, after appStart and preInvocation hooks ran', async () => {
        const res = await fetch(s.url('/api/hello/Ada'));
        assert.equal(res.status, 200);
        const body = (await res.json()) as { greeting: string; appStarted: boolean; preInvocations: number };
        assert.equal(body.greeting, 'hello Ada');
        assert.equal(body.appStarted, true);
        assert.ok(body.preInvocations >= 1);
        const noParam = (await (await fetch(s.url('/api/hello?name=Bo'))).json()) as { greeting: string };
        assert.equal(noParam.greeting, 'hello Bo');
    });

    it('refuses a function-level route without a valid key', async () => {
        assert.equal((await fetch(s.url('/api/secret/7'))).status, 401);
        assert.equal((await fetch(s.url('/api/secret/7?code=wrong'))).status, 401);
        assert.equal((await fetch(s.url('/api/secret/7'), { headers: { 'x-functions-key': 'nope' } })).status, 401);
    });

    it('accepts the function key in ?code= or x-functions-key, and the master key', async () => {
        const viaQuery = await fetch(s.url(`/api/secret/7?code=${s.host.keys.functionDefault}`), {
            method: 'POST',
            body: 'payload',
        });
        assert.equal(viaQuery.status, 201);
        assert.equal(viaQuery.headers.get('x-sample'), 'secret');
        assert.deepEqual(await viaQuery.json(), { id: 7, method: 'POST', body: 'payload' });
        const viaHeader = await fetch(s.url('/api/secret/8'), {
            headers: { 'x-functions-key': s.host.keys.functionDefault },
        });
        assert.equal(viaHeader.status, 201);
        const viaMaster = await fetch(s.url(`/api/secret/9?code=${s.host.keys.master}`));
        assert.equal(viaMaster.status, 201);
    });

    it('applies route constraints and methods', async () => {
        const key = s.host.keys.functionDefault;
        assert.equal((await fetch(s.url(`/api/secret/abc?code=${key}`))).status, 404);
        assert.equal((await fetch(s.url(`/api/secret/7?code=${key}`), { method: 'DELETE' })).status, 404);
        assert.equal((await fetch(s.url('/api/hello/Ada'), { method: 'POST' })).status, 404);
        assert.equal((await fetch(s.url('/nothing/here'))).status, 404);
    });

    it('lets a preInvocation hook replace the handler', async () => {
        assert.deepEqual(await (await fetch(s.url('/api/Wrapped'))).json(), { wrappedBy: 'preInvocation' });
    });

    it('answers 500 when the function throws, and postInvocation sees the error', async () => {
        const res = await fetch(s.url('/api/boom'));
        assert.equal(res.status, 500);
        assert.ok(s.journal().includes('postInvocation-error Boom'));
    });

    it('logs one line per context.log with function name and short invocation id', async () => {
        await fetch(s.url('/api/hello/Logan'));
        const line = s.logs.find((l) => l.includes('greeting Logan'));
        assert.ok(line, 'user log line present');
        assert.match(line, /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] \[Hello\] \[[0-9a-f]{8}\] Information: greeting Logan$/);
    });

    it('names the function it cannot serve at start-up', () => {
        assert.ok(
            s.logs.some(
                (l) => l.includes("Function 'QueueWork' has a 'queueTrigger' trigger") && l.includes('Warning'),
            ),
        );
    });

    it('stores generated keys locally and prints them exactly once; no other line carries a key', () => {
        const file = path.join(s.settings.SAMPLE_STATE_DIR, 'keys.json');
        const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
        assert.equal(stored.master, s.host.keys.master);
        const printed = s.logs.filter((l) => l.includes(s.host.keys.master));
        assert.equal(printed.length, 1);
        assert.match(printed[0], /Generated host keys/);
        const others = s.logs.filter((l) => !l.includes('Generated host keys'));
        for (const key of [s.host.keys.master, s.host.keys.functionDefault, s.host.keys.durableSystem]) {
            assert.ok(!others.some((l) => l.includes(key)));
        }
    });
});
