import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import { churnTarget, demoSettings } from '../../helpers/demoTargets';
import { suiteApp } from '../appHost';
import { terminate } from './terminatedHelpers';

/**
 * A run terminated from outside (the durable HTTP API's terminate) cannot write its own record:
 * the next start of the target (here POST /api/retrain; the catch-up pass: catchUp.terminated.e2e) records it
 * Cancelled, `cancellation.kind` `terminated`, with the step and the terminate reason, and cancel
 * the BES job it left training. Through the dev host's own durable API.
 */

describe('a run terminated from outside is recorded by the next start', () => {
    const app = suiteApp((w) => [churnTarget(w)]);

    it('while training: Cancelled (terminated), its BES job cancelled; then the new run trains', async () => {
        app.studio.faults.set('churn-training', { jobNeverFinishes: true });
        const text = await toText(classificationCsv({ rows: 400, seed: 4 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        const training = await app.atStep('churn', 'training', (s) => !!s.jobId);
        const cancels = app.studio.stats().operations.cancelJob ?? 0;
        await terminate(app, 'stuck, by the operator');
        assert.deepEqual(await app.runs('churn'), [], 'a terminated run writes nothing itself');

        app.studio.faults.clear('churn-training');
        assert.equal((await app.call('retrain/churn', { method: 'POST' })).status, 202);
        const all = await app.until(
            'two run records',
            () => app.runs('churn'),
            (r) => r.length >= 2,
        );
        const terminated = all.find((r) => r.runId === training.runId);
        assert.ok(terminated, JSON.stringify(all.map((r) => [r.runId, r.state])));
        assert.equal(terminated.state, 'Cancelled');
        assert.equal(terminated.reason, 'Terminated from outside while training: stuck, by the operator.');
        assert.equal(terminated.cancellation?.kind, 'terminated');
        assert.equal(terminated.cancellation?.step, 'training');
        assert.deepEqual(terminated.cancellation?.job, { jobId: training.jobId, outcome: 'cancelled' });
        assert.equal(terminated.trigger.kind, 'blob');
        assert.equal((app.studio.stats().operations.cancelJob ?? 0) - cancels, 1);
        const bes = `${app.studio.url}/workspaces/ws-demo/services/churn-training/jobs/${training.jobId}?api-version=2.0`;
        const job = (await (
            await fetch(bes, { headers: { authorization: `Bearer ${demoSettings.CHURN_TRAINING_KEY}` } })
        ).json()) as { StatusCode: unknown };
        // The demo seed's training service answers string status codes (statusCodeFormat 'string').
        assert.equal(job.StatusCode, 'Cancelled', JSON.stringify(job));
        const next = all.find((r) => r.runId !== training.runId)!;
        assert.equal(next.state, 'Promoted', next.reason);
    });
});
