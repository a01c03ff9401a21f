import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import type { ScoreView } from '../../../src/cli/retrainerClient';
import { classificationCsv, toText } from '../../../src/local/samples';
import { AppUnderTest, startApp } from '../../functions/appHost';
import { uniqueName } from '../../helpers/azurite';
import { azureMlSettings, azureMlTarget, seedWithWorkspace, usersWorkspace } from '../../helpers/azuremlTargets';
import { bindChurnModel, CHURN_FEATURES } from '../../helpers/classicModel';
import { churnTarget } from '../../helpers/demoTargets';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');
const run = promisify(execFile);

/**
 * `retrainer score` on a classic target and on an Azure ML v2 target serving the same model: the
 * two answers have one shape (the sent feature columns, then the model's scored columns), although
 * a v2 endpoint answers only its predictions.
 */
describe('retrainer score: a classic and an Azure ML v2 target answer alike', () => {
    let app: AppUnderTest;
    let flags: string[];
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-score-'));

    before(async () => {
        const datastoreContainer = uniqueName('azureml');
        app = await startApp(
            (w) => [churnTarget(w), azureMlTarget({ ...w, datastoreContainer }, 'churnml', 'churn-online')],
            azureMlSettings,
            { seed: seedWithWorkspace(datastoreContainer) },
        );
        const storage = process.env.RETRAINER_DATA_STORAGE!;
        // The v2 endpoint's deployment 'blue' serves a model trained by the studio's trainer on
        // classificationCsv({ rows: 600, seed: 4242 }) (usersWorkspace); the classic endpoint gets a
        // model trained by the same trainer on the same rows, so both should score alike.
        await usersWorkspace(app.studio.url, storage, datastoreContainer, ['churn-online']);
        const csv = await toText(classificationCsv({ rows: 600, seed: 4242 }));
        await bindChurnModel(app.studio.url, storage, 'retrained', csv);
        flags = [`--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`];
        // The label column comes along, as in a training file: `score` sends the feature columns only.
        writeFileSync(path.join(dir, 'rows.csv'), await toText(classificationCsv({ rows: 5, seed: 7 })));
    });
    after(async () => {
        await app?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    const cli = async (...args: string[]): Promise<string> =>
        (await run(process.execPath, [CLI, ...args, ...flags], { cwd: dir, env: { PATH: process.env.PATH } })).stdout;

    it('--json: the same columns and rows, the sent feature values first', async () => {
        const classic = JSON.parse(await cli('score', 'churn', 'rows.csv', '--rows', '3', '--json')) as ScoreView;
        const v2 = JSON.parse(await cli('score', 'churnml', 'rows.csv', '--rows', '3', '--json')) as ScoreView & {
            deployment: string | null;
        };
        assert.deepEqual(classic.columnNames, [...CHURN_FEATURES, 'Scored Labels', 'Scored Probabilities']);
        assert.deepEqual(v2.columnNames, classic.columnNames);
        assert.equal(v2.rows.length, 3);
        assert.deepEqual(v2.rows, classic.rows);
        assert.equal(v2.deployment, 'blue');
    });

    it('as text: the same table under each target’s own first line', async () => {
        const [classicHead, ...classicTable] = (await cli('score', 'churn', 'rows.csv', '--rows', '3')).split('\n');
        const [v2Head, ...v2Table] = (await cli('score', 'churnml', 'rows.csv', '--rows', '3')).split('\n');
        assert.equal(classicHead, "Scored 3 row(s) with 'churn' (no champion recorded yet):");
        assert.equal(v2Head, "Scored 3 row(s) with 'churnml' (no champion recorded yet):");
        assert.match(
            v2Table[0],
            /^tenure\s+monthly_charges\s+support_calls\s+contract_months\s+Scored Labels\s+Scored Probabilities\s*$/,
        );
        assert.deepEqual(v2Table, classicTable);
    });
});
