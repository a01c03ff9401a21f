import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { TableClient } from '@azure/data-tables';

import { classificationCsv, toText } from '../../src/local/samples';
import { instanceIdFor } from '../../src/functions/shared/startRetrain';
import { newInstanceRecord } from '../../src/local/host/durable/instances';
import { Outbox } from '../../src/retraining/outbox';
import { eventually, testStorage } from '../helpers/environment';
import { churnTarget } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

/**
 * Who won a start is proven by reading the status back, and a failure to read is an outage (503),
 * never a conflict (409). Through the dev host, the built app and Azurite.
 */
describe('HTTP starter: racing starts, live states and outages', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [
            // A long quiet period keeps a started run live (debouncing) while the test looks at it.
            churnTarget(w, { debounce: { quietPeriodInMs: 60_000, maxWaitInMs: 120_000 } }),
            churnTarget(w, {
                name: 'paused',
                data: { ...(churnTarget(w).data as object), prefixPattern: 'paused/*.csv' },
            }),
        ]);
    });
    after(() => app?.stop());

    const post = (target: string, body: unknown = {}) =>
        fetch(`${app.host.origin}/api/retrain/${target}`, {
            method: 'POST',
            headers: { 'x-functions-key': app.host.keys.functionDefault, 'content-type': 'application/json' },
            body: JSON.stringify(body),
        });

    it('two racing starts: one 202 with its own run, the loser 409 with the live run status links', async () => {
        // Data to train on keeps the winner's run live (training) while the loser reads it back.
        const text = await toText(classificationCsv({ rows: 300, seed: 3 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        const [a, b] = await Promise.all([
            post('churn', { globalParameters: { who: 'a' } }),
            post('churn', { globalParameters: { who: 'b' } }),
        ]);
        const answers = [
            { who: 'a', status: a.status, body: (await a.json()) as Record<string, unknown> },
            { who: 'b', status: b.status, body: (await b.json()) as Record<string, unknown> },
        ].sort((x, y) => x.status - y.status);
        assert.deepEqual(
            answers.map((x) => x.status),
            [202, 409],
            JSON.stringify(answers),
        );
        const [won, lost] = answers;
        assert.equal(lost.body.instanceId, instanceIdFor('churn'));
        assert.equal(lost.body.statusUrl, `${app.host.origin}/api/targets/churn`);
        assert.equal(lost.body.runsUrl, `${app.host.origin}/api/runs?target=churn`);
        assert.equal(won.body.statusUrl, lost.body.statusUrl);
        for (const answer of answers)
            assert.ok(!JSON.stringify(answer.body).includes(app.host.keys.durableSystem), 'no system key handed out');
        assert.match(String(lost.body.error), /already in flight/);
        // The run that is live is the winner's: its options were used, the loser's were not.
        const status = await app.host.service.getStatus(instanceIdFor('churn'));
        const input = status!.input as { trigger: { globalParameters?: Record<string, string> } };
        assert.deepEqual(input.trigger.globalParameters, { who: won.who });
        // Both arrivals were recorded before either start.
        const outbox = await new Outbox(app.runsContainer).read('churn');
        assert.equal(outbox.pending.filter((x) => x.kind === 'http').length, 2);
    });

    it('counts a Suspended instance as live: 409 to HTTP, a hint (not poison) from the blob trigger', async () => {
        const rec = newInstanceRecord(
            instanceIdFor('paused'),
            'retrain',
            JSON.stringify({ target: 'paused', trigger: { kind: 'http' } }),
            new Date(),
        );
        assert.ok(
            await app.host.service.store.createInstance({ ...rec, runtimeStatus: 'Suspended', needsStart: false }),
        );
        const res = await post('paused');
        assert.equal(res.status, 409);
        const body = (await res.json()) as Record<string, unknown>;
        assert.equal(body.runtimeStatus, 'Suspended');
        const csv = await toText(classificationCsv({ rows: 300, seed: 4 }));
        await app.data.getBlockBlobClient('paused/a.csv').upload(csv, Buffer.byteLength(csv));
        await eventually(
            () => (app.logs.some((l) => l.includes("Signalled retrain-paused for 'paused/a.csv'")) ? true : undefined),
            () => `the signal to the paused instance; host log:\n${app.logs.slice(-20).join('\n')}`,
        );
        assert.equal((await app.host.service.getStatus(instanceIdFor('paused')))!.runtimeStatus, 'Suspended');
    });

    // Last: it takes the task hub's storage away.
    it('answers 503, not 409, when the task hub storage fails', async () => {
        const storage = await testStorage();
        await TableClient.fromConnectionString(storage.connectionString, `${app.host.config.hubName}Instances`, {
            allowInsecureConnection: true,
        }).deleteTable();
        const res = await post('churn');
        const body = (await res.json()) as Record<string, unknown>;
        assert.equal(res.status, 503, JSON.stringify(body));
        assert.match(String(body.error), /did not answer/);
    });
});
