import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { TargetView } from '../../../src/cli/retrainerClient';
import { RUN_EXIT_CODES } from '../../../src/cli/wait';
import type { DataListView } from '../../../src/functions/shared/dataManagement';
import { classificationCsv, regressionCsv, toText } from '../../../src/local/samples';
import type { RunRecord } from '../../../src/orchestrators/contracts';
import { AppUnderTest, startApp } from '../../functions/appHost';
import { testStorage } from '../../helpers/azurite';
import { churnTarget, housesTarget } from '../../helpers/demoTargets';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

interface Exit {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * `retrainer data list|exclude|include`, the matching routes, the target's data policy and
 * `retrain --force`, end to end: the CLI against the dev host running the built app, Azurite and
 * the studio emulator training real models.
 */
describe('retrainer data: exclude, include, quarantine, window, --force', () => {
    let app: AppUnderTest;
    let flags: string[];
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-data-'));

    before(async () => {
        app = await startApp((w) => [
            // A gate a model of clean data passes and one of mostly label-free data does not.
            churnTarget(w, {
                gate: { thresholds: [{ metric: 'AUC', threshold: 0.75 }] },
                dataPolicy: { onRejected: 'quarantine' },
            }),
            housesTarget(w, { dataPolicy: { trainOn: 'window', lastFiles: 2 } }),
        ]);
        const storage = (await testStorage()).connectionString;
        flags = [`--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`, `--storage=${storage}`];
        const files: [string, Promise<string>][] = [
            ['a.csv', toText(classificationCsv({ rows: 600, seed: 1 }))],
            // Labels independent of the features: merged with a, the model falls below the gate.
            ['b.csv', toText(classificationCsv({ rows: 1500, seed: 2, shuffleLabels: true }))],
            ['c.csv', toText(classificationCsv({ rows: 8000, seed: 3 }))],
            ['1.csv', toText(regressionCsv({ rows: 800, seed: 1 }))],
            ['2.csv', toText(regressionCsv({ rows: 800, seed: 2 }))],
            ['3.csv', toText(regressionCsv({ rows: 800, seed: 3 }))],
        ];
        for (const [name, text] of files) writeFileSync(path.join(dir, name), await text);
    });
    after(async () => {
        await app?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    const cli = (...args: string[]): Promise<Exit> =>
        new Promise((ok) => {
            execFile(
                process.execPath,
                [CLI, ...args, ...flags],
                { env: { PATH: process.env.PATH }, cwd: dir },
                (err, stdout, stderr) => ok({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
            );
        });
    const expect = async (want: number, ...args: string[]): Promise<string> => {
        const r = await cli(...args);
        assert.equal(
            r.code,
            want,
            `${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}\n${app.logs.slice(-30).join('\n')}`,
        );
        return r.stdout;
    };
    const list = async (target: string): Promise<DataListView> =>
        JSON.parse(await expect(0, 'data', 'list', target, '--json')) as DataListView;
    const fileOf = (view: DataListView, name: string) => {
        const f = view.files.find((x) => x.name === name);
        assert.ok(f, `${name} is listed: ${JSON.stringify(view.files)}`);
        return f;
    };
    const runs = async (target: string): Promise<RunRecord[]> =>
        JSON.parse(await expect(0, 'runs', '--target', target, '--json')) as RunRecord[];
    const runIdOf = (out: string): string => {
        const m = /^Run (\S+) of /m.exec(out);
        assert.ok(m, out);
        return m[1];
    };
    const upload = (want: number, file: string, target: string) =>
        expect(want, 'upload', file, '--target', target, '--wait', '--timeout-seconds', '240');

    it("quarantines a Rejected run's new files, leaves them out of later runs, and restores them with include", async () => {
        await upload(RUN_EXIT_CODES.Promoted, 'a.csv', 'churn');
        const bad = runIdOf(await upload(RUN_EXIT_CODES.Rejected, 'b.csv', 'churn'));

        let view = await list('churn');
        assert.deepEqual(view.policy, { trainOn: 'all', onRejected: 'quarantine' });
        assert.deepEqual(view.lastRun, { runId: bad, state: 'Rejected' });
        assert.equal(fileOf(view, 'churn/a.csv').state, 'included', 'the champion’s data is not quarantined');
        assert.equal(fileOf(view, 'churn/a.csv').inLastRun, true);
        assert.deepEqual(fileOf(view, 'churn/b.csv').quarantined?.runId, bad);
        assert.equal(fileOf(view, 'churn/b.csv').state, 'quarantined');
        const table = await expect(0, 'data', 'list', 'churn');
        assert.match(table, new RegExp(`churn/b\\.csv\\s+yes\\s+quarantined by run ${bad} \\(Rejected\\)`));
        assert.match(table, /churn\/a\.csv\s+yes\s+included/);
        // `status` and GET /api/targets say the policy and how many files it keeps out.
        const status = await expect(0, 'status', 'churn');
        assert.match(
            status,
            /^ {2}data: {6}trains on all files; a Rejected run's files are quarantined; 0 file\(s\) excluded, 1 quarantined \(see `retrainer data list churn`\)$/m,
        );
        const target = JSON.parse(await expect(0, 'status', 'churn', '--json')) as TargetView;
        assert.deepEqual(
            { dataPolicy: target.dataPolicy, dataFiles: target.dataFiles },
            { dataPolicy: { trainOn: 'all', onRejected: 'quarantine' }, dataFiles: { excluded: 0, quarantined: 1 } },
        );

        // The next good batch trains without the quarantined one, and the record says why.
        const goodOut = await upload(RUN_EXIT_CODES.Promoted, 'c.csv', 'churn');
        assert.match(goodOut, new RegExp(`left out: churn/b\\.csv: quarantined: its run ${bad} was Rejected`));
        const good = (await runs('churn')).find((r) => r.runId === runIdOf(goodOut));
        assert.deepEqual(
            good?.manifest?.blobs.map((b) => b.name),
            ['churn/a.csv', 'churn/c.csv'],
        );
        assert.deepEqual(
            good?.manifest?.leftOut?.map((l) => [l.name, l.why, l.runId]),
            [['churn/b.csv', 'quarantined', bad]],
        );
        view = await list('churn');
        assert.equal(fileOf(view, 'churn/b.csv').inLastRun, false);
        assert.equal(fileOf(view, 'churn/c.csv').inLastRun, true);

        // Restored: a run over a, b and c is new data (a new run key), so it trains.
        const inc = await expect(0, 'data', 'include', 'churn', 'b.csv', '--by', 'ana');
        assert.match(
            inc,
            new RegExp(
                `^'churn/b\\.csv' of 'churn' is back in training: the quarantine by Rejected run ${bad} is lifted by ana\\.$`,
                'm',
            ),
        );
        assert.equal(fileOf(await list('churn'), 'churn/b.csv').state, 'included');
        const again = await cli('retrain', 'churn', '--wait', '--timeout-seconds', '240');
        const restored = (await runs('churn')).find((r) => r.runId === runIdOf(again.stdout));
        assert.ok(restored, again.stdout);
        assert.deepEqual(
            restored.manifest?.blobs.map((b) => b.name),
            ['churn/a.csv', 'churn/b.csv', 'churn/c.csv'],
        );
        assert.equal(restored.manifest?.leftOut, undefined);
        // Outweighed by the clean batch, the restored file no longer sinks the model: a good run.
        assert.equal(again.code, RUN_EXIT_CODES.Promoted, `${again.stdout}\n${again.stderr}`);
    });

    it('exclude leaves a file out (by whom, when, why); the same data is then Skipped unless --force re-judges it', async () => {
        const ex = await expect(
            0,
            'data',
            'exclude',
            'churn',
            'churn/b.csv',
            '--by',
            'bo',
            '--why',
            'duplicate export',
        );
        assert.match(ex, /^Excluded 'churn\/b\.csv' of 'churn' \(by bo at \S+\); later runs leave it out\.$/m);
        const again = await expect(0, 'data', 'exclude', 'churn', 'b.csv', '--by', 'cy');
        assert.match(again, /'churn\/b\.csv' of 'churn' was already excluded \(by bo at /);
        const b = fileOf(await list('churn'), 'churn/b.csv');
        assert.equal(b.state, 'excluded');
        assert.equal(b.excluded?.by, 'bo');
        assert.equal(b.excluded?.why, 'duplicate export');
        // b's quarantine was lifted by the include above; its exclusion counts once, as excluded.
        assert.deepEqual((JSON.parse(await expect(0, 'status', 'churn', '--json')) as TargetView).dataFiles, {
            excluded: 1,
            quarantined: 0,
        });

        // a + c was judged already (the run after the quarantine): Skipped, naming the exclusion.
        const skipped = await cli('retrain', 'churn', '--wait', '--timeout-seconds', '240');
        assert.equal(skipped.code, RUN_EXIT_CODES.Skipped, `${skipped.stdout}\n${skipped.stderr}`);
        assert.match(
            skipped.stdout,
            /The same data was already used by run \S+\. \(left out by the data policy: 1 excluded;/,
        );
        assert.match(skipped.stdout, /left out: churn\/b\.csv: excluded by bo at \S+: duplicate export/);

        const forced = await cli('retrain', 'churn', '--force', '--wait', '--timeout-seconds', '240');
        assert.equal(forced.code, RUN_EXIT_CODES.Promoted, `${forced.stdout}\n${forced.stderr}`);
        const record = (await runs('churn')).find((r) => r.runId === runIdOf(forced.stdout));
        assert.equal(record?.forced, true);
        assert.ok(record?.manifest?.previousRunId, 'names the run whose data it re-judged');
        assert.match(forced.stdout, new RegExp(`forced: re-judged the data of run ${record.manifest.previousRunId}`));
        assert.equal(record.trigger.kind === 'http' && record.trigger.force, true);

        const inc = await expect(0, 'data', 'include', 'churn', 'b.csv', '--by', 'bo');
        // Who set the exclusion and when, then who lifted it: "lifted the exclusion by bo" was ambiguous.
        assert.match(
            inc,
            /^'churn\/b\.csv' of 'churn' is back in training: the exclusion set by bo on \d{4}-\d\d-\d\dT\S+ is lifted by bo\.$/m,
        );
        assert.match(
            await expect(0, 'data', 'include', 'churn', 'b.csv'),
            /was neither excluded nor quarantined: nothing changed\./,
        );
    });

    it('a window of the last 2 files trains on the newest two and names the older one', async () => {
        await upload(RUN_EXIT_CODES.Promoted, '1.csv', 'houses');
        // Written after the first run was recorded, so strictly newer than houses/1.csv.
        await expect(0, 'upload', '2.csv', '--target', 'houses');
        const out = await upload(RUN_EXIT_CODES.Promoted, '3.csv', 'houses');
        const record = (await runs('houses')).find((r) => r.runId === runIdOf(out));
        assert.deepEqual(
            record?.manifest?.blobs.map((b) => b.name),
            ['houses/2.csv', 'houses/3.csv'],
        );
        assert.deepEqual(
            record?.manifest?.leftOut?.map((l) => [l.name, l.why]),
            [['houses/1.csv', 'window']],
        );
        assert.match(out, /left out: houses\/1\.csv: outside the window of the last 2 file\(s\)/);
        const view = await list('houses');
        assert.deepEqual(view.policy, { trainOn: 'window', lastFiles: 2, onRejected: 'keep' });
        assert.equal(fileOf(view, 'houses/1.csv').outsideWindow, true);
        assert.equal(fileOf(view, 'houses/1.csv').inLastRun, false);
        assert.match(await expect(0, 'data', 'list', 'houses'), /houses\/1\.csv\s+no\s+included, outside the window/);
        assert.match(
            await expect(0, 'status', 'houses'),
            /^ {2}data: {6}trains on the last 2 file\(s\); a Rejected run's files are kept; 0 file\(s\) excluded, 0 quarantined$/m,
        );
    });

    it('lists a file the intake pass refused, with its reason (once a run has read it)', async () => {
        const text = 'sqft,bedrooms,age,distance_km,price\n1200,3,10,5.5,250\n1300,NaN,12,4.0,260\n';
        await app.data.getBlockBlobClient('houses/bad.csv').upload(text, Buffer.byteLength(text));
        let seen: DataListView['files'][number] | undefined;
        // Each look runs the CLI: half a second apart.
        const bad = (await app.until(
            () => `houses/bad.csv listed as refused (last seen: ${JSON.stringify(seen)})`,
            async () => (seen = (await list('houses')).files.find((f) => f.name === 'houses/bad.csv')),
            (f) => f?.state === 'refused',
            240_000,
            500,
        ))!;
        assert.equal(bad.judged, true);
        assert.match(
            bad.refused?.reason ?? '',
            /'houses\/bad\.csv' cannot train: line 3, column 'bedrooms': 'NaN' is not a number/,
        );
        assert.match(
            await expect(0, 'data', 'list', 'houses'),
            /houses\/bad\.csv\s+no\s+refused: 'houses\/bad\.csv' cannot train: line 3/,
        );
    });

    // An empty file used to show as "included (not judged yet)" forever, take a window slot (the
    // listing then put a file the last run trained "outside the window"), and be named nowhere else.
    it('lists an empty file as refused (empty) at once, outside the window count; runs and status name it', async () => {
        // Written straight to storage: the blob trigger refuses it and starts nothing.
        await app.data.getBlockBlobClient('houses/empty.csv').upload('', 0);
        const view = await list('houses');
        const empty = fileOf(view, 'houses/empty.csv');
        assert.deepEqual(
            { state: empty.state, judged: empty.judged, refused: empty.refused, outsideWindow: empty.outsideWindow },
            {
                state: 'refused',
                judged: true,
                refused: {
                    reason: "'houses/empty.csv' is empty",
                    problems: [{ line: 1, message: 'the file is empty (0 bytes)' }],
                },
                outsideWindow: undefined,
            },
        );
        // The newest file, but it cannot train: the window still holds the two newest that can.
        for (const name of ['houses/2.csv', 'houses/3.csv']) {
            const f = fileOf(view, name);
            assert.deepEqual(
                { name, state: f.state, outsideWindow: f.outsideWindow },
                { name, state: 'included', outsideWindow: undefined },
            );
        }
        assert.equal(fileOf(view, 'houses/1.csv').outsideWindow, true);
        const table = await expect(0, 'data', 'list', 'houses');
        assert.match(table, /houses\/empty\.csv\s+no\s+refused: 'houses\/empty\.csv' is empty$/m);
        assert.match(table, /houses\/3\.csv\s+yes\s+included$/m);

        // A run names it under the refused files of its record, and status lists it as refused.
        const api = `${app.host.origin}/api`;
        const key = { 'x-functions-key': app.host.keys.functionDefault };
        for (let i = 0; ; i++) {
            const t = (await (await fetch(`${api}/targets/houses`, { headers: key })).json()) as TargetView;
            if (t.inFlight === null) break;
            assert.ok(i < 480, `a run of 'houses' is still in flight: ${JSON.stringify(t.inFlight)}`);
            await new Promise((ok) => setTimeout(ok, 250));
        }
        const out = await expect(RUN_EXIT_CODES.Skipped, 'retrain', 'houses', '--wait', '--timeout-seconds', '240');
        const record = (await runs('houses')).find((r) => r.runId === runIdOf(out));
        assert.deepEqual(
            record?.manifest?.rejected?.map((r) => r.name),
            ['houses/bad.csv', 'houses/empty.csv'],
        );
        assert.equal(record.manifest.rejected[1].reason, "'houses/empty.csv' is empty");
        assert.deepEqual(
            record?.manifest?.blobs.map((b) => b.name),
            ['houses/2.csv', 'houses/3.csv'],
        );
        assert.match(await expect(0, 'status', 'houses'), /^ {2}refused: {3}'houses\/empty\.csv' is empty$/m);
    });

    it('the routes need the function key, and answer 400 and 404 naming the field or the file', async () => {
        const api = `${app.host.origin}/api`;
        const key = { 'x-functions-key': app.host.keys.functionDefault, 'content-type': 'application/json' };
        assert.equal((await fetch(`${api}/data/churn`)).status, 401);
        const post = (target: string, action: string, body: unknown) =>
            fetch(`${api}/data/${target}/${action}`, { method: 'POST', headers: key, body: JSON.stringify(body) });
        let res = await post('churn', 'exclude', { file: 'a.csv' });
        assert.equal(res.status, 400);
        assert.match(((await res.json()) as { error: string }).error, /'by' must name who decides/);
        res = await post('churn', 'exclude', { file: 'a.csv', by: 'ana', extra: 1 });
        assert.match(((await res.json()) as { error: string }).error, /unknown field\(s\): extra/);
        res = await post('churn', 'exclude', { file: 'nope.csv', by: 'ana' });
        assert.equal(res.status, 404);
        assert.match(((await res.json()) as { error: string }).error, /No file 'nope\.csv' in the data of 'churn'/);
        // Not an unknown file but a name no target may train on: 400 naming the rule it breaks.
        for (const [action, file] of [
            ['exclude', '../houses/1.csv'],
            ['include', 'churn/../houses/1.csv'],
        ]) {
            res = await post('churn', action, { file, by: 'ana' });
            assert.equal(res.status, 400, `${action} ${file}`);
            const { error } = (await res.json()) as { error: string };
            const want = `'file': '${file}' cannot be a training-data name: it has a '..' segment (a training-data name is`;
            assert.ok(error.startsWith(want), error);
        }
        res = await post('nope', 'include', { file: 'a.csv', by: 'ana' });
        assert.equal(res.status, 404);
        const bad = await cli('data', 'exclude', 'churn');
        assert.equal(bad.code, 2, 'a usage error');
        assert.match(bad.stderr, /usage: retrainer data list <target>/);
        res = await fetch(`${api}/retrain/churn`, {
            method: 'POST',
            headers: key,
            body: JSON.stringify({ force: 'yes' }),
        });
        assert.equal(res.status, 400);
        assert.match(((await res.json()) as { error: string }).error, /'force' must be true or false/);
    });
});
