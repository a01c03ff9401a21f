import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJob } from '../../src/activities/submitJob';
import { BatchExecutionClient, BatchExecutionRequest } from '../../src/clients';
import { classificationCsv, toText } from '../../src/local/samples';
import { besTrainingOf } from '../../src/retraining/config';
import { demoSettings } from '../helpers/demoTargets';
import { PipelineFixture, startPipeline, upload } from '../activities/fixture';
import { acted } from '../helpers/claims';

/**
 * What BES is handed instead of the storage key: a SAS per blob, expiring soon after the job's
 * deadline, that opens only that blob with only the access the job needs. Checked on the request
 * the studio received and against Azurite itself.
 */
describe('SAS tokens handed to BES', () => {
    let fx: PipelineFixture;
    let sent: BatchExecutionRequest;
    const submittedAt = Date.now();
    before(async () => {
        fx = await startPipeline();
        for (const [n, s] of [
            ['churn/a.csv', 1],
            ['churn/b.csv', 2],
        ] as const)
            await upload(fx, n, await toText(classificationCsv({ rows: 300, seed: s })));
        const deps = {
            ...fx.deps,
            bes: () =>
                new BatchExecutionClient(
                    besTrainingOf(fx.deps.config.targets[0]).besUrl,
                    demoSettings.CHURN_TRAINING_KEY,
                    {
                        onRequest: (r) => {
                            if (r.method === 'POST' && !r.url.includes('/start'))
                                sent = r.body as BatchExecutionRequest;
                        },
                    },
                ),
        };
        const manifest = await snapshotManifest(deps, { target: 'churn', trigger: { kind: 'http' } });
        const job = acted(await submitJob(deps, { target: 'churn', runId: 'sas-run', manifest, globalParameters: {} }));
        assert.equal((await fx.waitForJob('churn', job.jobId)).state, 'Finished');
    });
    after(() => fx.close());

    const deadline = (): number => fx.deps.config.targets[0].job.deadlineInMs;

    function checkToken(token: string, permissions: string): void {
        const q = new URLSearchParams(token.replace(/^\?/, ''));
        assert.equal(q.get('sr'), 'b', 'a blob SAS, not a container or account SAS');
        assert.equal(q.get('sp'), permissions);
        const expires = Date.parse(q.get('se')!);
        assert.ok(expires > Date.now(), 'still valid for the job');
        assert.ok(
            expires <= submittedAt + deadline() + 31 * 60_000,
            `expires with the job's deadline plus 30 minutes (${q.get('se')})`,
        );
        assert.equal(q.get('ss'), null, 'not an account SAS');
    }

    const url = (base: string, relative: string, sas: string): string => `${base}${relative}${sas}`;

    it('the training input: read-only, the run’s merged file only', async () => {
        const input = sent.Inputs!.input1;
        assert.equal(input.ConnectionString, undefined, 'no connection string (no account key)');
        assert.match(input.RelativeLocation!, /\/churn\/sas-run\/training\.csv$/);
        checkToken(input.SasBlobToken!, 'r');
        const base = input.BaseLocation!;
        assert.equal((await fetch(url(base, input.RelativeLocation!, input.SasBlobToken!))).status, 200);
        const container = input.RelativeLocation!.split('/')[0];
        const other = await fetch(url(base, `${container}/churn/sas-run/job.json`, input.SasBlobToken!));
        assert.equal(other.status, 403, 'another blob of the same folder stays closed');
        const data = await fetch(url(base, `${fx.dataContainer}/churn/a.csv`, input.SasBlobToken!));
        assert.equal(data.status, 403, 'the raw data container stays closed');
        const write = await fetch(url(base, input.RelativeLocation!, input.SasBlobToken!), {
            method: 'PUT',
            headers: { 'x-ms-blob-type': 'BlockBlob' },
            body: 'overwrite',
        });
        assert.equal(write.status, 403, 'the input cannot be overwritten');
    });

    it('the outputs: create/write only, each its own blob', async () => {
        const outputs = Object.values(sent.Outputs ?? {});
        assert.equal(outputs.length, 2);
        for (const o of outputs) {
            checkToken(o.SasBlobToken!, 'cw');
            assert.match(o.RelativeLocation!, /\/churn\/sas-run\/(model\.ilearner|evaluation\.csv)$/);
            const read = await fetch(url(o.BaseLocation!, o.RelativeLocation!, o.SasBlobToken!));
            assert.equal(read.status, 403, 'an output SAS cannot read');
            const container = o.RelativeLocation!.split('/')[0];
            const elsewhere = await fetch(
                url(o.BaseLocation!, `${container}/churn/other-run/model.ilearner`, o.SasBlobToken!),
                {
                    method: 'PUT',
                    headers: { 'x-ms-blob-type': 'BlockBlob' },
                    body: 'x',
                },
            );
            assert.equal(elsewhere.status, 403, 'nor write anywhere else');
        }
    });
});
