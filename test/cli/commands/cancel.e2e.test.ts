import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../src/local/samples';
import { suiteApp } from '../../functions/appHost';
import { appCli } from '../../helpers/appCli';
import { churnTarget } from '../../helpers/demoTargets';

/** `retrainer cancel` against the dev host: refuses when nothing runs; `--wait` exits 14 Cancelled. */
describe('retrainer cancel', () => {
    const app = suiteApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 600_000, maxWaitInMs: 600_000 } })]);
    const cli = appCli(app);

    it('says when no run is in flight, and exits 2 without a target', async () => {
        await assert.rejects(cli('cancel', 'churn'), (e: { code: number; stderr: string }) => {
            assert.equal(e.code, 1, e.stderr);
            // Word for word what the README quotes (Stopping a run).
            assert.match(
                e.stderr,
                /^POST \/retrain\/churn\/cancel answered 409: No run of 'churn' is in flight: nothing to cancel\.$/m,
            );
            return true;
        });
        await assert.rejects(cli('cancel'), (e: { code: number; stderr: string }) => {
            assert.equal(e.code, 2, e.stderr);
            assert.match(e.stderr, /usage: retrainer cancel <target>/);
            return true;
        });
    });

    it('cancels the debouncing run and --wait exits 14 with the record', async () => {
        const text = await toText(classificationCsv({ rows: 400, seed: 8 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        await app.until(
            'the run to debounce',
            async () => (await cli('status', 'churn')).stdout,
            (s) => s.includes('debouncing'),
        );
        const done = await cli('cancel', 'churn', '--by', 'ana', '--why', 'wrong file', '--wait').then(
            () => assert.fail('--wait must exit non-zero for Cancelled'),
            (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.equal(done.code, 14, done.stderr);
        assert.match(done.stdout, /^Asked the run of 'churn' \(at 'debouncing'\) to stop, for ana\.$/m);
        assert.match(
            done.stdout,
            /Run \S+ of 'churn': Cancelled\n {2}reason: Cancelled by ana while debouncing: wrong file/,
        );
    });

    it('says who asked first when the run was already asked, and --wait still follows it', async () => {
        // The job trains until cancelled, and the cancel takes a while: the run stays in flight.
        app.studio.faults.set('churn-training', {
            jobNeverFinishes: true,
            http: [{ operation: 'cancelJob', delayInMs: 5_000 }],
        });
        await app.until(
            'the previous run never ended',
            async () => (await cli('status', 'churn')).stdout,
            (s) => s.includes('in flight: nothing'),
        );
        await cli('retrain', 'churn');
        await app.until(
            'the run never trained',
            async () => (await cli('status', 'churn')).stdout,
            (s) => s.includes('step training'),
        );
        const first = await cli('cancel', 'churn', '--by', 'ana', '--why', 'wrong file');
        assert.match(first.stdout, /^Asked run \S+ of 'churn' \(at 'training'\) to stop, for ana\.$/m);
        const done = await cli('cancel', 'churn', '--by', 'bo', '--why', 'also wrong', '--wait').then(
            () => assert.fail('--wait must exit non-zero for Cancelled'),
            (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.equal(done.code, 14, done.stderr);
        assert.match(
            done.stdout,
            /^Run \S+ of 'churn' \(at 'training'\) was already asked to stop by ana at \S+ \("wrong file"\); that request stands, this one was not sent\.$/m,
        );
        assert.match(done.stdout, /reason: Cancelled by ana while training: wrong file/);
        app.studio.faults.clear('churn-training');
    });
});
