import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { TargetView } from '../../src/cli/retrainerClient';
import { withQuarantine } from '../../src/retraining/dataPolicy';
import { DataStateStore } from '../../src/retraining/dataState';
import { eventually } from '../helpers/environment';
import { churnTarget, housesTarget } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

const CLI = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');

/**
 * GET /api/targets through the dev host running the built app: the gate's metric names as the
 * config spells them, the data policy and the files it leaves out, and a catch-up report that says
 * plainly when no dead-letter container is watched; `retrainer status` shows each.
 */
describe('GET /api/targets: metric names, data policy, left-out files, unwatched dead letters', () => {
    let app: AppUnderTest;
    const deadLetterBefore = process.env.RETRAINER_DEADLETTER_CONTAINER;

    before(async () => {
        delete process.env.RETRAINER_DEADLETTER_CONTAINER;
        app = await startApp(
            (w) => [
                churnTarget(w, {
                    gate: {
                        thresholds: [
                            { metric: 'AUC', threshold: 0.7 },
                            { metric: 'Average Log Loss', threshold: 0.65 },
                        ],
                        improvement: [{ metric: 'area under curve', minAbsolute: -0.01 }],
                    },
                }),
                housesTarget(w, { dataPolicy: { trainOn: 'window', lastDays: 30, onRejected: 'quarantine' } }),
            ],
            // No upload starts a run here: the files only need to be listed.
            { 'AzureWebJobs.onTrainingData.Disabled': 'true' },
        );
    });
    after(async () => {
        await app?.stop();
        delete process.env['AzureWebJobs.onTrainingData.Disabled'];
        if (deadLetterBefore !== undefined) process.env.RETRAINER_DEADLETTER_CONTAINER = deadLetterBefore;
    });

    const target = async (name: string): Promise<TargetView> => {
        const res = await fetch(`${app.host.origin}/api/targets/${name}`, {
            headers: { 'x-functions-key': app.host.keys.functionDefault },
        });
        assert.equal(res.status, 200);
        return (await res.json()) as TargetView;
    };
    const status = async (name: string): Promise<string> =>
        new Promise((ok, fail) => {
            execFile(
                process.execPath,
                [CLI, 'status', name, `--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`],
                { env: { PATH: process.env.PATH } },
                (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : ok(stdout)),
            );
        });

    it('names the gate metrics as the config does (the first spelling of each), and the data policy', async () => {
        const churn = await target('churn');
        assert.deepEqual(churn.metricNames, { auc: 'AUC', averageLogLoss: 'Average Log Loss' });
        assert.deepEqual(churn.dataPolicy, { trainOn: 'all', onRejected: 'keep' });
        assert.deepEqual(churn.dataFiles, { excluded: 0, quarantined: 0 });
        const houses = await target('houses');
        assert.deepEqual(houses.dataPolicy, { trainOn: 'window', lastDays: 30, onRejected: 'quarantine' });
        assert.match(
            await status('houses'),
            /^ {2}data: {6}trains on the last 30 day\(s\); a Rejected run's files are quarantined; 0 file\(s\) excluded, 0 quarantined$/m,
        );
    });

    // Before any data: the catch-up pass this runs finds nothing to start.
    it('says dead-lettered events are not watched when no container is configured, not that some were missed', async () => {
        const run = await fetch(`${app.host.origin}/admin/functions/retrainTimer`, {
            method: 'POST',
            headers: { 'x-functions-key': app.host.keys.master },
        });
        assert.equal(run.status, 202);
        const missed = await eventually(
            async () => (await target('churn')).missedEvents ?? undefined,
            () => `a catch-up report; host log:\n${app.logs.slice(-20).join('\n')}`,
        );
        assert.equal(missed.deadLetterContainer, null);
        assert.equal(missed.deadLetteredEvents, null);
        const out = await status('churn');
        assert.match(
            out,
            /^ {2}missed: {4}\d+ poison message\(s\) \(app-wide, checked \S+\); dead-lettered events are not watched \(set RETRAINER_DEADLETTER_CONTAINER to count them\)$/m,
        );
        assert.doesNotMatch(out, /unknown dead-lettered|RETRAINER_DEADLETTER_CONTAINER is not set/);
    });

    it('counts the excluded and quarantined files as `data list` states them', async () => {
        for (const name of ['a', 'b', 'c', 'd'])
            await app.data.getBlockBlobClient(`churn/${name}.csv`).upload('x\n', 2);
        const etags = new Map<string, string>();
        for await (const b of app.data.listBlobsFlat({ prefix: 'churn/' })) etags.set(b.name, b.properties.etag ?? '');
        const exclude = await fetch(`${app.host.origin}/api/data/churn/exclude`, {
            method: 'POST',
            headers: { 'x-functions-key': app.host.keys.functionDefault, 'content-type': 'application/json' },
            body: JSON.stringify({ file: 'a.csv', by: 'ana', why: 'duplicate' }),
        });
        assert.equal(exclude.status, 200);
        // As a Rejected run's record writes it: a (also excluded) counts once, as excluded; c's
        // quarantined version was replaced since, so c is new data and not quarantined.
        await new DataStateStore(app.runsContainer).update('churn', (s) =>
            withQuarantine(
                s,
                'r-rejected',
                [
                    { name: 'churn/a.csv', etag: etags.get('churn/a.csv')! },
                    { name: 'churn/b.csv', etag: etags.get('churn/b.csv')! },
                    { name: 'churn/c.csv', etag: '"0xREPLACED"' },
                ],
                new Date().toISOString(),
            ),
        );
        const churn = await target('churn');
        assert.deepEqual(churn.dataFiles, { excluded: 1, quarantined: 1 });
        assert.match(
            await status('churn'),
            /^ {2}data: {6}trains on all files; a Rejected run's files are kept; 1 file\(s\) excluded, 1 quarantined \(see `retrainer data list churn`\)$/m,
        );
        const list = await fetch(`${app.host.origin}/api/data/churn`, {
            headers: { 'x-functions-key': app.host.keys.functionDefault },
        });
        const states = ((await list.json()) as { files: { name: string; state: string }[] }).files.map((f) => [
            f.name,
            f.state,
        ]);
        assert.deepEqual(states, [
            ['churn/a.csv', 'excluded'],
            ['churn/b.csv', 'quarantined'],
            ['churn/c.csv', 'included'],
            ['churn/d.csv', 'included'],
        ]);
    });

    it('warns while the endpoint may serve a model that failed verification and could not be rolled back', async () => {
        // The records a run leaves (as the orchestrator writes them): r1 promoted and verified; r2's
        // verification failed and so did its rollback; r3 was rejected, so it changed nothing.
        const save = async (record: Record<string, unknown>) => {
            const body = JSON.stringify({
                target: 'houses',
                instanceId: 'retrain-houses',
                trigger: { kind: 'http' },
                ...record,
            });
            await app.runsContainer
                .getBlockBlobClient(`runs/houses/${String(record.runId)}.json`)
                .upload(body, Buffer.byteLength(body));
        };
        const promotion = {
            before: null,
            after: { baseLocation: 'http://127.0.0.1:1/a', relativeLocation: 'm.ilearner' },
        };
        await save({ runId: '20261130T080000000Z-r1', state: 'Promoted', promotion, timings: {} });
        const reason =
            'Verification failed (row 0: Scored Labels = 0, expected 1) and the rollback failed too: 400 InvalidBlob';
        await save({
            runId: '20261130T090000000Z-r2',
            state: 'Failed',
            reason,
            promotion,
            rollbackFailed: true,
            timings: { 'rolling-back': '2026-11-30T09:00:05.000Z' },
        });
        await save({ runId: '20261130T100000000Z-r3', state: 'Rejected', timings: {} });
        const houses = await target('houses');
        assert.deepEqual(houses.unverifiedModel, {
            runId: '20261130T090000000Z-r2',
            reason,
            at: '2026-11-30T09:00:05.000Z',
        });
        assert.match(
            await status('houses'),
            /^ {2}WARNING: {3}the endpoint may be serving run 20261130T090000000Z-r2's model/m,
        );
        assert.equal((await target('churn')).unverifiedModel, null);
    });
});
