import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { snapshotManifest } from '../../../src/activities/snapshotManifest';
import { dataFileCounts, dataList } from '../../../src/functions/shared/dataManagement';
import { classificationCsv, toText } from '../../../src/local/samples';
import type { ManifestSnapshot } from '../../../src/orchestrators/contracts';
import { withExclusion, withQuarantine } from '../../../src/retraining/dataPolicy';
import { DataStateStore } from '../../../src/retraining/dataState';
import { PipelineFixture, startPipeline, upload } from '../../activities/fixture';

const HEADER = 'tenure,monthly_charges,support_calls,contract_months,churned';
const NOT_A_NUMBER = `${HEADER}\n1,NaN,3,4,0\n`;

/**
 * `GET /api/data/{target}` (`dataList`) and the counts `GET /api/targets` shows (`dataFileCounts`)
 * on one mixed set of files, in Azurite: every state a file can be in, and the data-state entries
 * that no longer hold (a replaced quarantined file, a deleted excluded one). The counts are the
 * listing's excluded and quarantined files.
 */
describe('dataList and dataFileCounts agree', () => {
    let fx: PipelineFixture;
    before(async () => {
        fx = await startPipeline();
    });
    after(() => fx?.close());

    const csv = (seed: number) => toText(classificationCsv({ rows: 40, seed }));
    const snapshot = (): Promise<ManifestSnapshot> =>
        snapshotManifest(fx.deps, {
            target: 'churn',
            trigger: { kind: 'timer', scheduledAt: new Date().toISOString() },
        });

    it('on accepted, unjudged, refused, empty, excluded, quarantined, replaced and deleted files', async () => {
        const target = fx.deps.config.targets.find((t) => t.name === 'churn')!;
        const same = await csv(5);
        const files: [string, string][] = [
            ['churn/good.csv', await csv(1)],
            ['churn/bad.csv', NOT_A_NUMBER],
            ['churn/excluded.csv', await csv(2)],
            ['churn/excluded-quarantined.csv', await csv(3)],
            ['churn/quarantined.csv', await csv(4)],
            ['churn/same.csv', same],
            ['churn/replaced.csv', await csv(6)],
            ['churn/replaced-bad.csv', await csv(7)],
            ['churn/gone.csv', await csv(8)],
        ];
        for (const [name, text] of files) await upload(fx, name, text);
        // A run listed them all (and judged them); then a person and a Rejected run left some out.
        const first = await snapshot();
        assert.equal(first.rejected?.map((r) => r.name).join(), 'churn/bad.csv');
        const trained = (names: string[]) => first.blobs.filter((b) => names.includes(b.name));
        const at = new Date().toISOString();
        await new DataStateStore(fx.deps.runs.stateContainer).update('churn', (s) => {
            let next = s;
            for (const name of ['churn/excluded.csv', 'churn/excluded-quarantined.csv', 'churn/gone.csv'])
                next = withExclusion(next, name, { by: 'ana', at, why: 'test' });
            const quarantined = [
                'churn/excluded-quarantined.csv',
                'churn/quarantined.csv',
                'churn/same.csv',
                'churn/replaced.csv',
                'churn/replaced-bad.csv',
            ];
            return withQuarantine(next, 'run-rejected', trained(quarantined), at);
        });
        // Identical bytes again (a new ETag, the same rows), other rows, rows that cannot train, a deletion.
        await upload(fx, 'churn/same.csv', same);
        await upload(fx, 'churn/replaced.csv', await csv(9));
        await upload(fx, 'churn/replaced-bad.csv', NOT_A_NUMBER);
        await fx.blobs.getContainerClient(fx.dataContainer).getBlobClient('churn/gone.csv').delete();
        await snapshot();
        // Written after the last run: one no run has read, and an empty one (refused unread).
        await upload(fx, 'churn/unjudged.csv', await csv(10));
        await upload(fx, 'churn/empty.csv', '');

        const list = await dataList(fx.deps, target);
        assert.deepEqual(
            Object.fromEntries(list.files.map((f) => [f.name, `${f.state}${f.judged ? '' : ' (unjudged)'}`])),
            {
                'churn/bad.csv': 'refused',
                'churn/empty.csv': 'refused',
                'churn/excluded.csv': 'excluded',
                'churn/excluded-quarantined.csv': 'excluded',
                'churn/good.csv': 'included',
                'churn/quarantined.csv': 'quarantined',
                'churn/replaced-bad.csv': 'refused',
                'churn/replaced.csv': 'included',
                'churn/same.csv': 'quarantined',
                'churn/unjudged.csv': 'included (unjudged)',
            },
        );
        const listed = (state: string) => list.files.filter((f) => f.state === state).length;
        const counts = await dataFileCounts(fx.deps, target);
        assert.deepEqual(counts, { excluded: listed('excluded'), quarantined: listed('quarantined') });
        assert.deepEqual(counts, { excluded: 2, quarantined: 2 });
    });
});
