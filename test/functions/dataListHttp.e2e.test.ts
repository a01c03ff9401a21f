import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { TargetView } from '../../src/cli/retrainerClient';
import type { DataListView } from '../../src/functions/shared/dataManagement';
import { classificationCsv, toText } from '../../src/local/samples';
import { blobNameError } from '../../src/retraining/dataPattern';
import { appCli } from '../helpers/appCli';
import { churnTarget } from '../helpers/demoTargets';
import { suiteApp } from './appHost';

/**
 * `GET /api/data/{target}` and `retrainer data list` on blobs another tool wrote under the target's
 * prefix with names the upload paths refuse (`churn//x.csv`): the dev host running the built app,
 * Azurite and the studio emulator. Such a blob is listed as refused with the name rule it breaks,
 * never trained, and does not stop the valid file beside it from training.
 */
describe('data list: blobs named against the training-data name rule', () => {
    // A window of one file: a misnamed blob newer than the valid one must not take its slot.
    const app = suiteApp((w) => [churnTarget(w, { dataPolicy: { trainOn: 'window', lastFiles: 1 } })]);
    const cli = appCli(app);
    const list = async (): Promise<DataListView> =>
        JSON.parse((await cli('data', 'list', 'churn', '--json')).stdout) as DataListView;
    const refusedFor = (name: string) => ({ reason: blobNameError(name), problems: [] });

    it('are listed as refused with the rule, never trained, and the valid file beside them trains', async () => {
        const rows = await toText(classificationCsv({ rows: 600, seed: 1 }));
        // As Storage Explorer or `az storage blob upload` would: straight to storage, no name check.
        await app.data.getBlockBlobClient('churn//x.csv').upload(rows, Buffer.byteLength(rows));
        await app.until(
            'the blob trigger to ignore churn//x.csv',
            () => Promise.resolve(app.logs.some((l) => l.includes(`Ignored: ${blobNameError('churn//x.csv')}`))),
            (seen) => seen,
        );
        await app.data.getBlockBlobClient('churn/a.csv').upload(rows, Buffer.byteLength(rows));
        await app.settled();
        const [run] = await app.runs('churn');
        assert.equal(run?.state, 'Promoted', JSON.stringify(run));
        assert.deepEqual(
            { blobs: run.manifest?.blobs.map((b) => b.name), rejected: run.manifest?.rejected },
            { blobs: ['churn/a.csv'], rejected: undefined },
        );
        // Newer than churn/a.csv, and another kind of empty segment.
        await app.data.getBlockBlobClient('churn/2026//y.csv').upload(rows, Buffer.byteLength(rows));

        const view = await list();
        assert.deepEqual(
            view.files.map((f) => ({
                name: f.name,
                state: f.state,
                refused: f.refused,
                judged: f.judged,
                inLastRun: f.inLastRun,
                outsideWindow: f.outsideWindow,
            })),
            [
                {
                    name: 'churn//x.csv',
                    state: 'refused',
                    refused: refusedFor('churn//x.csv'),
                    judged: true,
                    inLastRun: false,
                    outsideWindow: undefined,
                },
                {
                    name: 'churn/2026//y.csv',
                    state: 'refused',
                    refused: refusedFor('churn/2026//y.csv'),
                    judged: true,
                    inLastRun: false,
                    outsideWindow: undefined,
                },
                {
                    name: 'churn/a.csv',
                    state: 'included',
                    refused: undefined,
                    judged: true,
                    inLastRun: true,
                    outsideWindow: undefined,
                },
            ],
        );
        assert.deepEqual(await app.get<DataListView>('data/churn'), view, 'the API answers what the CLI prints');
        const table = (await cli('data', 'list', 'churn')).stdout;
        assert.match(
            table,
            /^churn\/\/x\.csv\s+no\s+refused: 'churn\/\/x\.csv' cannot be a training-data name: it has an empty segment/m,
        );
        assert.match(table, /^churn\/a\.csv\s+yes\s+included$/m);

        // The next run still trains churn/a.csv alone (its data is the same: Skipped, not failed).
        const again = await app.post('retrain/churn', {});
        assert.equal(again.status, 202, JSON.stringify(again.body));
        await app.settled();
        const [next] = await app.runs('churn');
        assert.notEqual(next.runId, run.runId);
        assert.equal(next.state, 'Skipped', JSON.stringify(next));
        assert.deepEqual(
            next.manifest?.blobs.map((b) => b.name),
            ['churn/a.csv'],
        );
        assert.equal(next.manifest?.rejected, undefined);
    });

    it('exclude and include of such a name answer 400 naming the rule; status counts agree with the listing', async () => {
        for (const action of ['exclude', 'include'])
            for (const file of ['churn//x.csv', '/x.csv', 'churn/2026//y.csv']) {
                const res = await app.post(`data/churn/${action}`, { file, by: 'ana' });
                assert.deepEqual(
                    { action, file, status: res.status, error: res.body.error },
                    { action, file, status: 400, error: `'file': ${blobNameError(file)}.` },
                );
            }
        await assert.rejects(cli('data', 'exclude', 'churn', 'churn//x.csv'), (e: { code: number; stderr: string }) => {
            assert.equal(e.code, 1, e.stderr);
            assert.match(e.stderr, /answered 400: 'file': 'churn\/\/x\.csv' cannot be a training-data name/);
            return true;
        });

        // One file a person excluded: the counts are the listing's, the misnamed blobs in neither.
        await cli('data', 'exclude', 'churn', 'a.csv', '--by', 'ana');
        const view = await list();
        const listed = (state: string) => view.files.filter((f) => f.state === state).length;
        assert.deepEqual(
            { excluded: listed('excluded'), quarantined: listed('quarantined'), refused: listed('refused') },
            { excluded: 1, quarantined: 0, refused: 2 },
        );
        const target = JSON.parse((await cli('status', 'churn', '--json')).stdout) as TargetView;
        assert.deepEqual(target.dataFiles, { excluded: 1, quarantined: 0 });
        assert.match(
            (await cli('status', 'churn')).stdout,
            /^ {2}data: {6}trains on the last 1 file\(s\); a Rejected run's files are kept; 1 file\(s\) excluded, 0 quarantined/m,
        );
    });
});
