import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget, demoSettings } from '../helpers/demoTargets';
import { JsonAnswer, suiteApp } from './appHost';

/**
 * POST /api/retrain/{target}/cancel through the dev host: a run asked while it debounces or while
 * its BES job trains ends Cancelled, recorded with who asked, when and at which step; the job is
 * cancelled at the studio; the same data trains on an explicit retrain afterwards. Refusals: an
 * unknown target (404), a bad body (400), no run in flight (409).
 */
describe('cancelling a run over HTTP, end to end through the dev host', () => {
    // A quiet period far longer than the test: an upload's run debounces until it is cancelled.
    const app = suiteApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 600_000, maxWaitInMs: 600_000 } })]);

    const cancel = (body: unknown, headers: Record<string, string> = {}, target = 'churn'): Promise<JsonAnswer> =>
        app.post(`retrain/${target}/cancel`, body, headers);
    const runs = (): Promise<RunRecord[]> => app.runs('churn');
    const nextRecord = (count: number): Promise<RunRecord> =>
        app.until('a new run record', runs, (r) => r.length > count).then((r) => r[0]);
    const ops = (name: string): number => app.studio.stats().operations[name] ?? 0;

    it('refuses an unknown target, a bad body, and a target with no run in flight', async () => {
        assert.equal((await cancel({}, {}, 'nope')).status, 404);
        const bad = await cancel({ who: 'ana' });
        assert.equal(bad.status, 400);
        assert.match(String(bad.body.error), /unknown field\(s\): who/);
        assert.equal((await cancel('{not json')).status, 400);
        const none = await cancel({ by: 'ana' });
        assert.equal(none.status, 409);
        assert.equal(none.body.error, "No run of 'churn' is in flight: nothing to cancel.");
    });

    it('while debouncing: Cancelled, with who, when, why and the data it would have trained; no job', async () => {
        const count = (await runs()).length;
        const submits = ops('submitJob');
        const text = await toText(classificationCsv({ rows: 400, seed: 3 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        await app.atStep('churn', 'debouncing');

        const asked = await cancel({ by: 'ana', why: 'wrong file' });
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        assert.equal(asked.body.step, 'debouncing');
        assert.equal(asked.body.by, 'ana');
        const record = await nextRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.reason, 'Cancelled by ana while debouncing: wrong file');
        assert.deepEqual(record.cancellation, {
            kind: 'requested',
            by: 'ana',
            at: asked.body.at,
            why: 'wrong file',
            step: 'debouncing',
        });
        assert.deepEqual(
            record.manifest?.blobs.map((b) => b.name),
            ['churn/a.csv'],
        );
        assert.equal(ops('submitJob'), submits, 'a cancelled debounce submits no job');
    });

    it('while training: the BES job is cancelled at the studio; the caller App Service names is recorded', async () => {
        const count = (await runs()).length;
        app.studio.faults.set('churn-training', { jobNeverFinishes: true });
        const cancels = ops('cancelJob');
        await app.idle('churn');
        const started = await app.call('retrain/churn', { method: 'POST' });
        assert.equal(started.status, 202);
        const training = await app.atStep('churn', 'training', (s) => !!s.jobId);

        const principal = Buffer.from(JSON.stringify({ claims: [{ typ: 'name', val: 'lee@contoso.com' }] })).toString(
            'base64',
        );
        const asked = await cancel({ by: 'someone else' }, { 'x-ms-client-principal': principal });
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        assert.equal(asked.body.by, 'lee@contoso.com', 'the authenticated caller, not the body');
        assert.equal(asked.body.runId, training.runId);

        const record = await nextRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.runId, training.runId);
        assert.equal(record.cancellation?.by, 'lee@contoso.com');
        assert.equal(record.cancellation?.step, 'training');
        assert.deepEqual(record.cancellation?.job, { jobId: training.jobId, outcome: 'cancelled' });
        assert.equal(ops('cancelJob'), cancels + 1);
        // The job as BES reports it.
        const bes = `${app.studio.url}/workspaces/ws-demo/services/churn-training/jobs/${training.jobId}?api-version=2.0`;
        const job = (await (
            await fetch(bes, { headers: { authorization: `Bearer ${demoSettings.CHURN_TRAINING_KEY}` } })
        ).json()) as { StatusCode: unknown };
        assert.equal(job.StatusCode, 'Cancelled', JSON.stringify(job));
    });

    it('a second request while the first is being carried out is told who asked first; the first stands', async () => {
        const count = (await runs()).length;
        // The job trains until cancelled, and the cancel takes a while: the run stays in flight.
        app.studio.faults.set('churn-training', {
            jobNeverFinishes: true,
            http: [{ operation: 'cancelJob', delayInMs: 5_000 }],
        });
        await app.idle('churn');
        assert.equal((await app.call('retrain/churn', { method: 'POST' })).status, 202);
        await app.atStep('churn', 'training', (s) => !!s.jobId);

        const first = await cancel({ by: 'ana', why: 'wrong file' });
        assert.equal(first.status, 202, JSON.stringify(first.body));
        const second = await cancel({ by: 'bo', why: 'also wrong' });
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.deepEqual(second.body.alreadyRequested, { by: 'ana', at: first.body.at, why: 'wrong file' });
        assert.equal(second.body.runId, first.body.runId);
        assert.equal(second.body.by, undefined, 'the second request is not presented as made');

        const record = await nextRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.cancellation?.by, 'ana');
        assert.equal(record.cancellation?.why, 'wrong file');
    });

    it('the cancelled data still trains when somebody asks for a retrain', async () => {
        app.studio.faults.clear('churn-training');
        const count = (await runs()).length;
        await app.idle('churn');
        assert.equal((await app.call('retrain/churn', { method: 'POST' })).status, 202);
        const record = await nextRecord(count);
        assert.equal(record.state, 'Promoted', record.reason);
    });
});
