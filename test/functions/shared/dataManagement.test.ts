import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { snapshotManifest } from '../../../src/activities/snapshotManifest';
import { dataFileCounts, dataList } from '../../../src/functions/shared/dataManagement';
import { classificationCsv, regressionCsv, toText } from '../../../src/local/samples';
import type { ManifestSnapshot } from '../../../src/orchestrators/contracts';
import { blobNameError } from '../../../src/retraining/dataPattern';
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

    // Another tool (Storage Explorer, az CLI) can write names the upload paths refuse: the snapshot
    // never lists them, so before, they were left untrained without a word.
    it('on blobs named against the training-data name rule: refused with the rule, never trained, never counted', async () => {
        const houses = fx.deps.config.targets.find((t) => t.name === 'houses')!;
        const rows = await toText(regressionCsv({ rows: 40, seed: 1 }));
        await upload(fx, 'houses/good.csv', rows);
        // Written after good.csv, so newer: under a window of one file they would take its slot.
        const odd: [string, string][] = [
            ['houses//x.csv', rows],
            ['houses/2026//y.csv', rows],
            ['houses//empty.csv', ''],
        ];
        for (const [name, text] of odd) await upload(fx, name, text);
        const stored: string[] = [];
        for await (const b of fx.blobs.getContainerClient(fx.dataContainer).listBlobsFlat({ prefix: 'houses/' }))
            stored.push(b.name);
        assert.deepEqual(stored, ['houses//empty.csv', 'houses//x.csv', 'houses/2026//y.csv', 'houses/good.csv']);
        // A data state that excludes such a name (written before exclude refused it): the name rule wins.
        const at = new Date().toISOString();
        await new DataStateStore(fx.deps.runs.stateContainer).update('houses', (s) =>
            withExclusion(s, 'houses//x.csv', { by: 'ana', at }),
        );

        const snap = await snapshotManifest(fx.deps, {
            target: 'houses',
            trigger: { kind: 'timer', scheduledAt: new Date().toISOString() },
        });
        assert.deepEqual(
            { blobs: snap.blobs.map((b) => b.name), rejected: snap.rejected, leftOut: snap.leftOut },
            { blobs: ['houses/good.csv'], rejected: undefined, leftOut: undefined },
        );

        const windowOfOne = {
            ...houses,
            dataPolicy: { trainOn: 'window' as const, lastFiles: 1, onRejected: 'keep' as const },
        };
        const list = await dataList(fx.deps, windowOfOne);
        assert.deepEqual(
            list.files.map((f) => ({
                name: f.name,
                state: f.state,
                judged: f.judged,
                refused: f.refused,
                out: f.outsideWindow,
            })),
            [
                ...['houses//empty.csv', 'houses//x.csv', 'houses/2026//y.csv'].map((name) => ({
                    name,
                    state: 'refused',
                    judged: true,
                    refused: { reason: blobNameError(name), problems: [] },
                    out: undefined,
                })),
                { name: 'houses/good.csv', state: 'included', judged: true, refused: undefined, out: undefined },
            ],
        );
        assert.match(
            list.files[1].refused?.reason ?? '',
            /^'houses\/\/x\.csv' cannot be a training-data name: it has an empty segment \(a leading or trailing \/, or \/\/\)/,
        );
        const counts = await dataFileCounts(fx.deps, houses);
        assert.deepEqual(counts, { excluded: 0, quarantined: 0 });
    });
});
