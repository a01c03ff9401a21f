import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import {
    DataChangedError,
    DataRefusedError,
    HeaderMismatchError,
    writeCanonicalCsv,
} from '../../src/activities/mergeCsv';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJobActivity } from '../../src/activities/submitJob';
import { isClaimPending } from '../../src/orchestrators/claims';
import { intakeDataOf, intakeSchemaOf } from '../../src/retraining/intake';
import { intakeCase } from '../helpers/intakeCases';
import { PipelineFixture, startPipeline } from './fixture';

describe('the canonical CSV BES receives (Azurite + studio emulator)', () => {
    let fx: PipelineFixture;
    before(async () => {
        fx = await startPipeline();
        const data = fx.blobs.getContainerClient(fx.dataContainer);
        for (const f of ['churn-reordered-columns.csv', 'churn-header-case.csv', 'churn-trailing-delimiter-rows.csv']) {
            const bytes = intakeCase(f);
            await data.getBlockBlobClient(`churn/${f}`).upload(bytes, bytes.length);
        }
        const r = 'Churned,Tenure,Monthly_Charges,Support_Calls,Contract_Months,Region\r1,2,3,4,5,x\r';
        await data.getBlockBlobClient('churn/zz-cr-only.csv').upload(r, r.length);
    });
    after(() => fx.close());

    const schema = () => intakeSchemaOf(intakeDataOf(fx.deps.config.targets[0]));
    const models = () => fx.blobs.getContainerClient(fx.modelsContainer);
    const text = async (name: string) => (await models().getBlobClient(name).downloadToBuffer()).toString('utf8');

    it("one plain header in the target's order, then every file's clean rows; blank rows skipped", async () => {
        await models().createIfNotExists();
        const m = await snapshotManifest(fx.deps, { target: 'churn', trigger: { kind: 'http' } });
        assert.equal(m.blobs.length, 4);
        assert.equal(m.blobs.find((b) => b.name.endsWith('trailing-delimiter-rows.csv'))!.blankRows, 2);
        assert.deepEqual(m.blobs.find((b) => b.name.endsWith('cr-only.csv'))!.extraColumns, ['Region']);
        const counts = await writeCanonicalCsv(
            fx.blobs.getContainerClient(fx.dataContainer),
            m.blobs,
            schema(),
            models(),
            'merge/all.csv',
        );
        assert.deepEqual(counts, { rows: 61, blankRows: 2 });
        const lines = (await text('merge/all.csv')).split('\n');
        assert.equal(lines[0], 'tenure,monthly_charges,support_calls,contract_months,churned');
        assert.equal(lines.filter((l) => /^tenure/.test(l)).length, 1);
        assert.equal(lines.at(-1), '', 'ends with one line end');
        assert.equal(lines.length, 1 + 61 + 1);
        // churn-header-case.csv's first row, and the label-first file's first row, in canonical order.
        assert.equal(lines[1], '9,96.48,0,12,0');
        assert.ok(lines.includes('2,3,4,5,1'), 'the CR-only, label-first file, extra column dropped');
        assert.ok(
            lines.every((l) => !/^,*$/.test(l) || l === ''),
            'no delimiter-only rows',
        );
    });

    it('a single file is sent canonical too, and BES trains on it', async () => {
        const m = await snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'http', blobNames: ['churn/churn-reordered-columns.csv'] },
        });
        const job = await submitJobActivity(fx.deps, {
            target: 'churn',
            runId: 'single',
            manifest: m,
            globalParameters: {},
        });
        assert.ok(!('refused' in job) && !isClaimPending(job), JSON.stringify(job));
        const csv = await text('churn/single/training.csv');
        assert.ok(csv.startsWith('tenure,monthly_charges,support_calls,contract_months,churned\n9,96.48,0,12,0\n'));
        const status = await fx.waitForJob('churn', job.jobId);
        assert.equal(status.state, 'Finished', status.details);
    });

    it('a header that lost a column is a HeaderMismatchError, returned as a refusal: no job, no retry', async () => {
        const data = fx.blobs.getContainerClient(fx.dataContainer);
        const body = 'tenure,monthly_charges,support_calls,contract_months\n1,2,3,4\n';
        const up = await data.getBlockBlobClient('churn/late-header.csv').upload(body, body.length);
        const manifest = {
            runKey: 'k',
            blobs: [{ name: 'churn/late-header.csv', etag: up.etag!, contentLength: body.length }],
        };
        await assert.rejects(
            writeCanonicalCsv(data, manifest.blobs, schema(), models(), 'merge/x.csv'),
            (e: unknown) =>
                e instanceof HeaderMismatchError &&
                e instanceof DataRefusedError &&
                /lacks column\(s\) 'churned'/.test(e.message),
        );
        const submits = fx.studio.stats().operations.submitJob ?? 0;
        const result = await submitJobActivity(fx.deps, {
            target: 'churn',
            runId: 'mismatch',
            manifest,
            globalParameters: {},
        });
        assert.ok('refused' in result);
        assert.equal(result.refused.error, 'HeaderMismatchError');
        assert.equal(
            result.refused.reason,
            "Data file 'churn/late-header.csv' cannot be merged: the header lacks column(s) 'churned'; its header is: tenure, monthly_charges, support_calls, contract_months.",
        );
        assert.equal(fx.studio.stats().operations.submitJob ?? 0, submits, 'no BES job was submitted');
        await data.deleteBlob('churn/late-header.csv');
    });

    it('a file replaced after the snapshot is a DataChangedError, never trained under the old key', async () => {
        const data = fx.blobs.getContainerClient(fx.dataContainer);
        const m = await snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'http', blobNames: ['churn/zz-cr-only.csv'] },
        });
        const r = 'churned,tenure,monthly_charges,support_calls,contract_months\n0,2,3,4,5\n';
        await data.getBlockBlobClient('churn/zz-cr-only.csv').upload(r, r.length);
        await assert.rejects(writeCanonicalCsv(data, m.blobs, schema(), models(), 'merge/y.csv'), DataChangedError);
        // Same ETag but other bytes cannot happen in storage; a different hash for the same ETag is refused too.
        const fresh = await snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'http', blobNames: ['churn/zz-cr-only.csv'] },
        });
        const forged = fresh.blobs.map((b) => ({ ...b, contentHash: '0'.repeat(64) }));
        await assert.rejects(writeCanonicalCsv(data, forged, schema(), models(), 'merge/z.csv'), DataChangedError);
    });

    it('a file deleted after the snapshot is said to be deleted, not changed', async () => {
        const data = fx.blobs.getContainerClient(fx.dataContainer);
        const r = 'churned,tenure,monthly_charges,support_calls,contract_months\n0,2,3,4,5\n';
        await data.getBlockBlobClient('churn/zz-gone.csv').upload(r, r.length);
        const m = await snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'http', blobNames: ['churn/zz-gone.csv'] },
        });
        await data.deleteBlob('churn/zz-gone.csv');
        await assert.rejects(writeCanonicalCsv(data, m.blobs, schema(), models(), 'merge/gone.csv'), {
            name: 'DataChangedError',
            message:
                "Data file 'churn/zz-gone.csv' was deleted after the run took its snapshot; the run cannot train it.",
        });
    });
});
