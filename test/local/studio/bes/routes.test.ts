import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../../../src/local/samples';
import { parseEvaluationCsv } from '../../../../src/local/studio/training';
import { KEYS, Kit, blobUrl, startKit } from '../kit';
import { eventually } from '../../../helpers/environment';

describe('studio BES jobs (on the wire)', () => {
    let kit: Kit;
    let signal: string;
    let shuffled: string;

    before(async () => {
        kit = await startKit();
        signal = await kit.upload('churn/signal.csv', await toText(classificationCsv({ rows: 3000, seed: 11 })));
        shuffled = await kit.upload(
            'churn/shuffled.csv',
            await toText(classificationCsv({ rows: 3000, seed: 12, shuffleLabels: true })),
        );
    });
    after(() => kit?.close());

    async function evaluationOf(
        results: Record<string, { BaseLocation: string; RelativeLocation: string; SasBlobToken: string }>,
    ) {
        const res = await fetch(blobUrl(results.output2));
        assert.equal(res.status, 200);
        return parseEvaluationCsv(await res.text());
    }

    it('learns a known signal: AUC from the evaluation output is well above 0.5', async () => {
        const job = await kit.runJob(signal);
        assert.equal(job.status.body.StatusCode, 'Finished', JSON.stringify(job.status.body));
        const metrics = await evaluationOf(job.status.body.Results);
        assert.ok(metrics.AUC > 0.75, `AUC ${metrics.AUC}`);
        assert.ok(metrics.Accuracy > 0.6, `Accuracy ${metrics.Accuracy}`);
        // The same bytes are in the output blob the job was told to write.
        const direct = (await kit.container.getBlockBlobClient(job.evaluationBlob).downloadToBuffer()).toString();
        assert.deepEqual(parseEvaluationCsv(direct), metrics);
        assert.ok(await kit.container.getBlockBlobClient(job.modelBlob).exists());
    });

    it('finds nothing on shuffled labels: AUC near chance', async () => {
        const job = await kit.runJob(shuffled);
        assert.equal(job.status.body.StatusCode, 'Finished', JSON.stringify(job.status.body));
        const metrics = await evaluationOf(job.status.body.Results);
        assert.ok(Math.abs(metrics.AUC - 0.5) < 0.07, `AUC ${metrics.AUC}`);
    });

    it('moves NotStarted -> Running -> Finished', async () => {
        kit.studio.faults.set('churn-training', { jobDurationInMs: 1500 });
        try {
            const { jobId } = await kit.submit(signal);
            const status = () =>
                kit.call('GET', `${kit.besBase()}/jobs/${jobId}?api-version=2.0`, { key: KEYS.training });
            const first = await status();
            assert.equal(first.status, 200);
            assert.deepEqual(first.body, { StatusCode: 'NotStarted', Results: null, Details: null });
            const start = await kit.call('POST', `${kit.besBase()}/jobs/${jobId}/start?api-version=2.0`, {
                key: KEYS.training,
            });
            assert.equal(start.status, 204);
            const seen: string[] = [];
            const resultsWhileRunning: unknown[] = [];
            await eventually(async () => {
                const s = (await status()).body;
                if (seen.at(-1) !== s.StatusCode) seen.push(s.StatusCode);
                if (s.StatusCode === 'Running') resultsWhileRunning.push(s.Results);
                return s.StatusCode === 'Finished' ? true : undefined;
            }, `job ${jobId} to finish`);
            assert.deepEqual(seen, ['Running', 'Finished']);
            assert.deepEqual([...new Set(resultsWhileRunning)], [null], 'no Results while Running');
            // Starting twice is refused.
            const again = await kit.call('POST', `${kit.besBase()}/jobs/${jobId}/start?api-version=2.0`, {
                key: KEYS.training,
            });
            assert.equal(again.status, 400);
            assert.equal(again.body.error.details[0].code, 'CannotStartJob');
        } finally {
            kit.studio.faults.clear('churn-training');
        }
    });

    it('cancels a running job: Cancelled, and no model is written', async () => {
        kit.studio.faults.set('churn-training', { jobDurationInMs: 20_000 });
        try {
            const { jobId, run } = await kit.submit(signal);
            const path = `${kit.besBase()}/jobs/${jobId}?api-version=2.0`;
            await kit.call('POST', `${kit.besBase()}/jobs/${jobId}/start?api-version=2.0`, { key: KEYS.training });
            assert.equal((await kit.call('GET', path, { key: KEYS.training })).body.StatusCode, 'Running');
            const del = await kit.call('DELETE', path, { key: KEYS.training });
            assert.equal(del.status, 204);
            const s = await kit.call('GET', path, { key: KEYS.training });
            assert.equal(s.body.StatusCode, 'Cancelled');
            assert.equal(s.body.Results, null);
            // Once the aborted run has wound down, nothing more happened to the job.
            await kit.studio.jobsIdle();
            assert.equal((await kit.call('GET', path, { key: KEYS.training })).body.StatusCode, 'Cancelled');
            assert.equal(await kit.container.getBlockBlobClient(`${run}/model.ilearner`).exists(), false);
        } finally {
            kit.studio.faults.clear('churn-training');
        }
    });

    it('cancels a job that never started; it cannot be started afterwards', async () => {
        const { jobId } = await kit.submit(signal);
        const path = `${kit.besBase()}/jobs/${jobId}?api-version=2.0`;
        assert.equal((await kit.call('DELETE', path, { key: KEYS.training })).status, 204);
        assert.equal((await kit.call('GET', path, { key: KEYS.training })).body.StatusCode, 'Cancelled');
        const start = await kit.call('POST', `${kit.besBase()}/jobs/${jobId}/start?api-version=2.0`, {
            key: KEYS.training,
        });
        assert.equal(start.status, 400);
    });

    it("emits numeric StatusCode when the service's seed says 'number'", async () => {
        const { jobId } = await kit.submit(signal, { serviceId: 'churn-training-num' });
        const s = await kit.call('GET', `${kit.besBase('churn-training-num')}/jobs/${jobId}?api-version=2.0`, {
            key: KEYS.trainingNum,
        });
        assert.equal(s.body.StatusCode, 0);
        const done = await kit.runJob(signal, { serviceId: 'churn-training-num' });
        assert.equal(done.status.body.StatusCode, 4);
        const failed = await kit.runJob(await kit.upload('num/empty.csv', ''), { serviceId: 'churn-training-num' });
        assert.equal(failed.status.body.StatusCode, 2);
    });

    it('gives Results with a read-only SAS for exactly that blob', async () => {
        const job = await kit.runJob(signal);
        const results = job.status.body.Results;
        assert.deepEqual(Object.keys(results).sort(), ['output1', 'output2']);
        const model = results.output1;
        const evaluation = results.output2;
        assert.equal(model.ConnectionString, null);
        assert.equal(model.RelativeLocation, `${kit.container.containerName}/${job.modelBlob}`);
        assert.equal(evaluation.RelativeLocation, `${kit.container.containerName}/${job.evaluationBlob}`);
        assert.equal(model.BaseLocation, `${kit.storage.connectionString.match(/BlobEndpoint=([^;]+)/)![1]}/`);
        const sas = new URLSearchParams(String(evaluation.SasBlobToken).replace(/^\?/, ''));
        assert.equal(sas.get('sp'), 'r');
        assert.equal(sas.get('sr'), 'b');
        assert.ok(sas.get('sig'));

        // It reads that blob: the bytes are the blob's.
        const read = await fetch(blobUrl(evaluation));
        assert.equal(read.status, 200);
        const direct = await kit.container.getBlockBlobClient(job.evaluationBlob).downloadToBuffer();
        assert.equal(await read.text(), direct.toString());

        // Not another blob, not the container listing, and no writes.
        const other = await fetch(blobUrl({ ...evaluation, RelativeLocation: model.RelativeLocation }));
        assert.equal(other.status, 403);
        const base = `${evaluation.BaseLocation}${kit.container.containerName}`;
        const list = await fetch(`${base}?restype=container&comp=list&${sas.toString()}`);
        assert.equal(list.status, 403);
        const write = await fetch(blobUrl(evaluation), {
            method: 'PUT',
            headers: { 'x-ms-blob-type': 'BlockBlob', 'content-type': 'text/csv' },
            body: 'AUC\n1\n',
        });
        assert.equal(write.status, 403);
        assert.equal(
            (await kit.container.getBlockBlobClient(job.evaluationBlob).downloadToBuffer()).toString(),
            direct.toString(),
        );
        const del = await fetch(blobUrl(evaluation), { method: 'DELETE' });
        assert.equal(del.status, 403);
        assert.ok(await kit.container.getBlockBlobClient(job.evaluationBlob).exists());
    });

    describe('malformed input fails the job with a clear reason and writes no model', () => {
        const cases: { name: string; csv: string; details: RegExp }[] = [
            {
                name: 'missing label column',
                csv: 'tenure,monthly_charges,support_calls,contract_months\n1,2,3,4\n',
                details: /'churned' not found in the input header/,
            },
            {
                name: 'non-numeric feature',
                csv: 'tenure,monthly_charges,support_calls,contract_months,churned\n1,20.5,0,12,0\nabc,30,1,1,1\n',
                details: /Line 3, column 'tenure': 'abc' is not a number/,
            },
            { name: 'empty file', csv: '', details: /input is empty/ },
            {
                name: 'header only',
                csv: 'tenure,monthly_charges,support_calls,contract_months,churned\n',
                details: /header but no data rows/,
            },
        ];
        for (const c of cases) {
            it(c.name, async () => {
                const input = await kit.upload(`bad/${c.name.replace(/\s+/g, '-')}.csv`, c.csv);
                const job = await kit.runJob(input);
                assert.equal(job.status.body.StatusCode, 'Failed');
                assert.match(job.status.body.Details, c.details);
                assert.equal(job.status.body.Results, null);
                assert.equal(await kit.container.getBlockBlobClient(job.modelBlob).exists(), false);
                assert.equal(await kit.container.getBlockBlobClient(job.evaluationBlob).exists(), false);
            });
        }

        it('a missing input blob fails the job naming the blob', async () => {
            const job = await kit.runJob(`${kit.container.containerName}/nowhere/missing.csv`);
            assert.equal(job.status.body.StatusCode, 'Failed');
            assert.match(job.status.body.Details, /nowhere\/missing\.csv' was not found/);
            assert.equal(await kit.container.getBlockBlobClient(job.modelBlob).exists(), false);
        });
    });

    describe('refuses bad submissions', () => {
        it('no inputs: 400 BatchJobInputsNotSpecified', async () => {
            const res = await kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
                key: KEYS.training,
                body: { Inputs: {}, GlobalParameters: {} },
            });
            assert.equal(res.status, 400);
            assert.equal(res.body.error.details[0].code, 'BatchJobInputsNotSpecified');
        });

        it('a model output not ending .ilearner: 400 InvalidBlobExtension', async () => {
            const ref = (r: string) => ({ ConnectionString: kit.storage.connectionString, RelativeLocation: r });
            const res = await kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
                key: KEYS.training,
                body: {
                    Inputs: { input1: ref(signal) },
                    Outputs: { output1: ref(`${kit.container.containerName}/m.bin`) },
                },
            });
            assert.equal(res.status, 400);
            assert.equal(res.body.error.details[0].code, 'InvalidBlobExtension');
        });

        it('a wrong api-version: 400 BadVersionCall', async () => {
            const res = await kit.call('GET', `${kit.besBase()}/jobs/x?api-version=2014-01-01`, { key: KEYS.training });
            assert.equal(res.status, 400);
            assert.equal(res.body.error.details[0].code, 'BadVersionCall');
        });

        it('an unknown job: 404', async () => {
            const res = await kit.call('GET', `${kit.besBase()}/jobs/nope?api-version=2.0`, { key: KEYS.training });
            assert.equal(res.status, 404);
            assert.ok(res.headers.get('x-ms-request-id'));
        });
    });
});
