import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import autocannon from 'autocannon';

import { classificationCsv, toText } from '../../src/local/samples';
import { AppUnderTest, startApp } from '../functions/appHost';
import { churnLike } from './appConfig';
import { eventually } from '../helpers/environment';
import { api, runsOf } from './kit';

/** Many callers at once: racing starters make one run; the HTTP API under load answers without 5xx. */
describe('load on the HTTP API', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [churnLike(w, 'crowd'), churnLike(w, 'quiet')], {
            'AzureWebJobs.onTrainingData.Disabled': 'true',
        });
        const text = await toText(classificationCsv({ rows: 1500, seed: 8 }));
        await app.data.getBlockBlobClient('crowd/a.csv').upload(text, Buffer.byteLength(text));
    });
    after(() => app?.stop());

    const key = (): string => app.host.keys.functionDefault;

    it('50 concurrent HTTP starters for one target: one 202, the rest 409, one run', async (t) => {
        const before = app.studio.stats().operations.submitJob ?? 0;
        const answers = await Promise.all(
            Array.from({ length: 50 }, () => api(app.host.origin, key(), 'retrain/crowd', { method: 'POST' })),
        );
        const statuses = answers.map((r) => r.status);
        const bodies = await Promise.all(answers.map((r) => r.text()));
        const count = (s: number): number => statuses.filter((x) => x === s).length;
        t.diagnostic(`202: ${count(202)}, 409: ${count(409)}`);
        assert.equal(count(202), 1, `exactly one start won: ${statuses.join(',')}`);
        assert.equal(
            count(409),
            49,
            `the others were told a retrain is in flight: ${bodies.filter((_, i) => statuses[i] !== 409 && statuses[i] !== 202).join(' | ')} ${app.logs.filter((l) => l.includes('over HTTP failed')).join(' | ')}`,
        );
        const [run, ...more] = await eventually(async () => {
            const r = await runsOf(app.host.origin, key(), 'crowd');
            return r.length > 0 ? r : undefined;
        }, 'the run');
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(more.length, 0);
        assert.equal((app.studio.stats().operations.submitJob ?? 0) - before, 1, 'one BES job');
    });

    it('sustained bounded load (autocannon, loopback) on targets, runs and starts: no 5xx, no errors', async (t) => {
        const result = await autocannon({
            url: app.host.origin,
            connections: 8,
            amount: 400,
            timeout: 20,
            headers: { 'x-functions-key': key() },
            requests: [
                { method: 'GET', path: '/api/targets' },
                { method: 'GET', path: '/api/runs?target=crowd&limit=10' },
                { method: 'GET', path: '/api/targets/quiet' },
                { method: 'POST', path: '/api/retrain/nope' },
            ],
        });
        t.diagnostic(
            `requests: ${result.requests.total}, 2xx: ${result['2xx']}, 4xx: ${result['4xx']}, 5xx: ${result['5xx']}, ` +
                `errors: ${result.errors}, timeouts: ${result.timeouts}, p99 latency: ${result.latency.p99} ms, ` +
                `mean req/s: ${result.requests.mean}`,
        );
        assert.equal(result['5xx'], 0);
        assert.equal(result.errors, 0);
        assert.equal(result.timeouts, 0);
        assert.equal(result['2xx'] + result['4xx'], 400, 'every request of the amount was answered, once');
        assert.equal(result.non2xx, result['4xx'], 'the only non-2xx are the unknown target’s 404s');
        const health = await api(app.host.origin, key(), 'targets');
        assert.equal(health.status, 200, 'still serving afterwards');
    });
});
