import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import { runsText, standingRefusals } from '../../../src/cli/commands/runs';
import type { RunView } from '../../../src/cli/retrainerClient';
import { lateCancellation } from '../../helpers/fakeOrchestration';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

/** Runs the built CLI and resolves with its exit code and output, whatever the code. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => {
            const code = err && typeof err.code === 'number' ? err.code : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

/**
 * A flag value the command cannot use is a usage error (exit 2, the flag named) before any
 * request: the URL below answers nothing, so reaching the network would fail differently (exit 1).
 */
describe('retrainer runs --limit / score --rows', () => {
    const app = ['--url', 'http://127.0.0.1:9/api', '--key=k'];

    for (const limit of ['abc', '0', '501', '2.5']) {
        it(`runs --limit ${limit} exits 2 naming --limit`, async () => {
            const r = await cli(['runs', '--limit', limit, ...app]);
            assert.deepEqual(
                { code: r.code, stderr: r.stderr.trim(), stdout: r.stdout },
                { code: 2, stderr: `--limit must be a whole number from 1 to 500, not '${limit}'.`, stdout: '' },
            );
        });
    }

    it('runs --limit 5 passes the check and then fails on the unreachable app (exit 1)', async () => {
        const r = await cli(['runs', '--limit', '5', ...app]);
        assert.equal(r.code, 1);
        assert.doesNotMatch(r.stderr, /--limit/);
    });

    it('score --rows abc exits 2 naming --rows', async () => {
        const r = await cli(['score', 'churn', 'x.csv', '--rows', 'abc', ...app]);
        assert.deepEqual(
            { code: r.code, stderr: r.stderr.trim() },
            { code: 2, stderr: "--rows must be a whole number from 1 to 1000, not 'abc'." },
        );
    });
});

let views = 0;

/** Run views as GET /api/runs answers them (newest first), with only what the footer reads. */
function runView(
    target: string,
    files: { blobs?: string[]; rejected?: [string, string][]; leftOut?: string[] },
    blobNames?: string[],
): RunView {
    return {
        target,
        runId: `r${++views}`,
        instanceId: `retrain-${target}`,
        trigger: blobNames ? { kind: 'http', blobNames } : { kind: 'blob' },
        state: 'Skipped',
        timings: {},
        manifest: {
            runKey: 'k',
            blobs: (files.blobs ?? []).map((name) => ({ name, etag: `e-${name}` })),
            rejected: (files.rejected ?? []).map(([name, etag]) => ({ name, etag, reason: `'${name}' (${etag})` })),
            leftOut: (files.leftOut ?? []).map((name) => ({ name, etag: 'e', why: 'excluded', reason: 'excluded' })),
        },
    };
}

describe('retrainer runs: the refused files footer', () => {
    it('keeps a refusal no later run decided otherwise, with the newest reason', () => {
        const runs = [
            runView('churn', { blobs: ['churn/a.csv'], rejected: [['churn/bad.csv', 'e2']] }),
            runView('churn', { blobs: ['churn/a.csv'], rejected: [['churn/bad.csv', 'e1']] }),
        ];
        assert.deepEqual(standingRefusals(runs), [
            { target: 'churn', name: 'churn/bad.csv', reason: "'churn/bad.csv' (e2)" },
        ]);
    });

    it('drops a refusal once a later run trained the name, or left it out (another version)', () => {
        const runs = [
            runView('churn', { blobs: ['churn/a.csv', 'churn/fixed.csv'], leftOut: ['churn/x.csv'] }),
            runView('churn', {
                blobs: ['churn/a.csv'],
                rejected: [
                    ['churn/fixed.csv', 'e1'],
                    ['churn/x.csv', 'e1'],
                ],
            }),
        ];
        assert.deepEqual(standingRefusals(runs), []);
    });

    it('drops a refusal of a file a later full listing no longer names (deleted), not after a named start', () => {
        const named = runView('churn', { blobs: ['churn/a.csv'] }, ['churn/a.csv']);
        const refusing = runView('churn', { blobs: ['churn/a.csv'], rejected: [['churn/gone.csv', 'e1']] });
        assert.deepEqual(
            standingRefusals([named, refusing]).map((f) => f.name),
            ['churn/gone.csv'],
            'an HTTP start naming its blobs lists only those',
        );
        const full = runView('churn', { blobs: ['churn/a.csv'] });
        assert.deepEqual(standingRefusals([full, named, refusing]), []);
    });

    it('judges each target by its own runs', () => {
        const runs = [
            runView('houses', { blobs: ['houses/1.csv'] }),
            runView('churn', { blobs: ['churn/a.csv'], rejected: [['churn/bad.csv', 'e1']] }),
            runView('houses', { blobs: [], rejected: [['houses/old.csv', 'e1']] }),
        ];
        assert.deepEqual(standingRefusals(runs), [
            { target: 'churn', name: 'churn/bad.csv', reason: "'churn/bad.csv' (e1)" },
        ]);
    });
});

describe('retrainer runs: the table and what follows it', () => {
    it('names a cancel request that came too late under the table, in the words of `cancel --wait`', () => {
        const promoted: RunView = {
            ...runView('churn', { blobs: ['churn/a.csv'] }),
            state: 'Promoted',
            reason: 'Promoted: AUC 0.7700 beats the champion.',
            verdict: { passed: true, reasons: [], metrics: { auc: 0.77 } },
            cancellation: lateCancellation,
        };
        const cancelled: RunView = {
            ...runView('churn', { blobs: ['churn/b.csv'] }),
            state: 'Cancelled',
            reason: 'Cancelled by bo while training: wrong file',
            cancellation: { kind: 'requested', by: 'bo', at: '2026-11-30T09:00:00.000Z', step: 'training' },
        };
        const text = runsText([promoted, cancelled]);
        const [table, late] = text.split('\n\n');
        assert.match(table, new RegExp(`^${promoted.runId} +churn +blob +Promoted +AUC 0\\.7700 +Promoted: AUC`, 'm'));
        assert.equal(
            late,
            [
                'Cancel requests that came too late:',
                `  run ${promoted.runId} (churn): Cancel asked by ana at 2026-11-30T10:00:00.000Z ("wrong file") came too late: the run was already promoting (past the last point a run can stop), so it went on.`,
            ].join('\n'),
            'only the request that did not stop its run',
        );
        assert.equal(text.split('\n\n').length, 2);
    });

    it('says so when there are no runs, and adds nothing under a table of runs nobody asked to stop', () => {
        assert.equal(runsText([]), 'No runs yet.');
        const text = runsText([runView('churn', { blobs: ['churn/a.csv'] })]);
        assert.equal(text.split('\n').length, 2, text);
    });
});
