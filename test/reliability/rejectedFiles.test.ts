import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { classificationCsv, toText } from '../../src/local/samples';
import { PipelineFixture, startPipeline, upload } from '../activities/fixture';

/**
 * A file the blob trigger refused stays in the container. The next run's snapshot must leave it
 * out, with its reason, or one bad upload fails every later retrain of the target.
 */
describe('a refused file does not poison later runs', () => {
    let fx: PipelineFixture;
    before(async () => {
        fx = await startPipeline();
        await upload(fx, 'churn/good.csv', await toText(classificationCsv({ rows: 300, seed: 2 })));
        await upload(fx, 'churn/binary.csv', '\u0000\u0001');
        await upload(fx, 'churn/wrong-header.csv', 'a,b\n1,2\n');
    });
    after(() => fx.close());

    it('the snapshot holds the good file and names the refused ones with their reasons', async () => {
        const m = await snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'blob', blobName: 'churn/good.csv' },
        });
        assert.deepEqual(
            m.blobs.map((b) => b.name),
            ['churn/good.csv'],
        );
        assert.deepEqual((m.rejected ?? []).map((r) => r.name).sort(), ['churn/binary.csv', 'churn/wrong-header.csv']);
        assert.match(m.rejected!.find((r) => r.name === 'churn/binary.csv')!.reason, /binary/);
        assert.match(m.rejected!.find((r) => r.name === 'churn/wrong-header.csv')!.reason, /lacks column/);
    });

    it('naming a refused file over HTTP fails with its reason', async () => {
        await assert.rejects(
            snapshotManifest(fx.deps, { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/binary.csv'] } }),
            /binary, not CSV text/,
        );
    });
});
