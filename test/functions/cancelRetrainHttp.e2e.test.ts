import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import { CANCEL_EVENT, CancelRequestEvent, RunRecord } from '../../src/orchestrators/contracts';
import { RunStore } from '../../src/retraining/runStore';
import { churnTarget, demoSettings } from '../helpers/demoTargets';
import { JsonAnswer, suiteApp } from './appHost';

/**
 * POST /api/retrain/{target}/cancel through the dev host: a run asked while it debounces or while
 * its BES job trains ends Cancelled, recorded with who asked, when and at which step; the job is
 * cancelled at the studio; the same data trains on an explicit retrain afterwards. Refusals: an
 * unknown target (404), a bad body (400), no run in flight (409). A request claimed by a route that
 * died before raising it is raised by the next one; a request for an earlier run of the instance
 * never stops this one; a run's claim is deleted once it is recorded.
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
    /** The cancel requests the route has claimed for churn and not yet released (blob names). */
    const claims = async (): Promise<string[]> => {
        const names: string[] = [];
        for await (const b of app.runsContainer.listBlobsFlat({ prefix: 'cancel-requests/churn/' })) names.push(b.name);
        return names;
    };
    const noClaimsLeft = () => app.until('no cancel request claim left', claims, (c) => c.length === 0);
    /** A training run of churn whose job never finishes by itself; its in-flight status. */
    const trainingForever = async (faults: Record<string, unknown> = {}) => {
        app.studio.faults.set('churn-training', { jobNeverFinishes: true, ...faults });
        await app.idle('churn');
        assert.equal((await app.call('retrain/churn', { method: 'POST' })).status, 202);
        return app.atStep('churn', 'training', (s) => !!s.jobId && !!s.startedAt);
    };

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
        const cancels = ops('cancelJob');
        // The job trains until cancelled, and the cancel takes a while: the run stays in flight.
        await trainingForever({ http: [{ operation: 'cancelJob', delayInMs: 5_000 }] });

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
        // The second request raised the first again: the run acted on one copy.
        assert.equal(ops('cancelJob'), cancels + 1);
        await noClaimsLeft();
    });

    it('a request whose route died after claiming it, before raising it, is raised by the next request', async () => {
        const count = (await runs()).length;
        const training = await trainingForever();
        // What the first route left when its process ended between the claim and the raise.
        const first: CancelRequestEvent = { by: 'ana', at: new Date().toISOString(), why: 'route died' };
        const store = new RunStore(app.runsContainer);
        const claimed = await store.claimCancelRequest('churn', 'retrain-churn', training.startedAt!, first);
        assert.equal(claimed.created, true);
        assert.equal((await claims()).length, 1);

        const second = await cancel({ by: 'bo', why: 'still running' });
        assert.equal(second.status, 200, JSON.stringify(second.body));
        assert.deepEqual(second.body.alreadyRequested, first);
        const record = await nextRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.runId, training.runId);
        assert.deepEqual(record.cancellation, {
            kind: 'requested',
            by: 'ana',
            at: first.at,
            why: 'route died',
            step: 'training',
            job: { jobId: training.jobId, outcome: 'cancelled' },
        });
        await noClaimsLeft();
    });

    it('a request raised for an earlier run of the instance does not stop this one; its own request does', async () => {
        const count = (await runs()).length;
        const training = await trainingForever();
        // A copy raised for the run before (from a status read before this run began, or carried
        // over at continue-as-new), straight through the durable HTTP API as the route raises it.
        const stray = { by: 'bo', at: new Date().toISOString(), forExecution: '2000-01-01T00:00:00.000Z' };
        const instance = `${app.host.origin}/runtime/webhooks/durabletask/instances/retrain-churn`;
        const code = `code=${encodeURIComponent(app.host.keys.durableSystem)}`;
        const raised = await fetch(`${instance}/raiseEvent/${CANCEL_EVENT}?${code}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(stray),
        });
        assert.equal(raised.status, 202, await raised.text());
        // Until the run has received it (its history holds it): it acts on it now or never.
        await app.until(
            'the stray request in the run history',
            async () =>
                (await (await fetch(`${instance}?showHistory=true&${code}`)).json()) as {
                    historyEvents?: { EventType: string; FunctionName?: string }[];
                },
            (s) =>
                (s.historyEvents ?? []).some((e) => e.EventType === 'EventRaised' && e.FunctionName === CANCEL_EVENT),
        );
        assert.equal((await app.step('churn'))?.runId, training.runId, 'still in flight');

        const asked = await cancel({ by: 'ana', why: 'its own' });
        assert.equal(asked.status, 202, JSON.stringify(asked.body));
        const record = await nextRecord(count);
        assert.equal(record.state, 'Cancelled', record.reason);
        assert.equal(record.runId, training.runId);
        assert.equal(record.cancellation?.by, 'ana', 'stopped by its own request, not the stray one');
        assert.equal(record.cancellation?.why, 'its own');
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
