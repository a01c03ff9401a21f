import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import type { CustomStatus, RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

/**
 * A file that lands while a run trains: its trigger event reaches an orchestration that no longer
 * waits for events. The run, once recorded, looks at the data again and continues as new for it,
 * so the file is trained without another upload, timer tick or HTTP call.
 */
describe('a file that arrives during a run gets its own run', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [churnTarget(w, { debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 } })]);
    });
    after(() => app?.stop());

    const api = async <T>(p: string): Promise<T> => {
        const res = await fetch(`${app.host.origin}/api/${p}`, {
            headers: { 'x-functions-key': app.host.keys.functionDefault },
        });
        assert.equal(res.status, 200, p);
        return (await res.json()) as T;
    };
    const put = async (name: string, seed: number): Promise<void> => {
        const text = await toText(classificationCsv({ rows: 300, seed }));
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    };
    /** Polls until `check` holds; the bound only turns a hang into a failure with the host's log. */
    async function until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
        for (let i = 0; i < 400; i++) {
            const v = await probe();
            if (check(v)) return v;
            await new Promise((ok) => setTimeout(ok, 50));
        }
        throw new Error(`${what}; host log:\n${app.logs.slice(-40).join('\n')}`);
    }
    const step = async () =>
        (await api<{ inFlight: { step: CustomStatus | null } | null }>('targets/churn')).inFlight?.step?.step;

    it('trains the late file in a second run, started by the first', async () => {
        // Training takes 2 s, long enough to upload while the job runs.
        app.studio.faults.set('churn-training', { jobDurationInMs: 2000 });
        await put('churn/first.csv', 1);
        await until('the first run never reached training', step, (s) => s === 'training');
        await put('churn/late.csv', 2);

        const runs = await until(
            'the late file was never trained',
            () => api<RunRecord[]>('runs?target=churn'),
            (r) => r.length >= 2,
        );
        const [second, first] = runs;
        assert.deepEqual(
            first.manifest!.blobs.map((b) => b.name),
            ['churn/first.csv'],
            'the first run had snapshotted before the late file landed',
        );
        assert.equal(first.state, 'Promoted', first.reason);
        assert.deepEqual(
            second.manifest!.blobs.map((b) => b.name),
            ['churn/first.csv', 'churn/late.csv'],
        );
        assert.deepEqual(second.trigger, { kind: 'blob', blobName: 'churn/late.csv' });
        assert.equal(second.instanceId, first.instanceId, 'the same instance continued as new');
        assert.ok(second.timings.debouncing, 'the follow-up run debounced like a blob-triggered one');
        assert.ok(['Promoted', 'Rejected'].includes(second.state), `${second.state}: ${second.reason ?? ''}`);
        assert.equal(app.studio.stats().operations.submitJob, 2);
        app.studio.faults.clear('churn-training');

        // The second run's fresh look found its own data: the instance ends, nothing more runs.
        await until('the instance did not end', step, (s) => s === undefined);
        await new Promise((ok) => setTimeout(ok, 1500));
        assert.equal((await api<RunRecord[]>('runs?target=churn')).length, 2);
    });

    it('a re-upload of the same bytes during the run trains nothing more', async () => {
        const before = (await api<RunRecord[]>('runs?target=churn')).length;
        const jobs = app.studio.stats().operations.submitJob;
        app.studio.faults.set('churn-training', { jobDurationInMs: 1500 });
        try {
            await put('churn/third.csv', 3);
            await until('the run never reached training', step, (s) => s === 'training');
            await put('churn/first.csv', 1); // identical bytes: same MD5, same run key
            const runs = await until(
                'the run was not recorded',
                () => api<RunRecord[]>('runs?target=churn'),
                (r) => r.length > before,
            );
            assert.ok(runs[0].manifest!.blobs.some((b) => b.name === 'churn/third.csv'));
            await until('the instance did not end', step, (s) => s === undefined);
            await new Promise((ok) => setTimeout(ok, 1500));
            const later = (await api<RunRecord[]>('runs?target=churn')).slice(0, -before);
            // Had the re-upload's trigger come after the run ended, it would start a run that skips.
            assert.ok(
                later.slice(0, -1).every((r) => r.state === 'Skipped'),
                later.map((r) => r.state).join(),
            );
            assert.equal(
                app.studio.stats().operations.submitJob,
                jobs + 1,
                'one BES job: the re-upload trained nothing',
            );
        } finally {
            app.studio.faults.clear('churn-training');
        }
    });
});
