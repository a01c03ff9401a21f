import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { suiteApp } from '../functions/appHost';
import { appCli, CLI, cliFlags } from '../helpers/appCli';
import { churnTarget } from '../helpers/demoTargets';

/** `retrainer approve|reject` against the dev host: finds the waiting run, or takes --run. */
describe('retrainer approve / reject', () => {
    const app = suiteApp((w) => [churnTarget(w, { approval: { required: true, timeoutInMs: 300_000 } })]);
    const cli = appCli(app);
    const fails = (args: string[], message: RegExp, code = 1) =>
        assert.rejects(cli(...args), (e: { code: number; stderr: string }) => {
            assert.equal(e.code, code, e.stderr);
            assert.match(e.stderr, message);
            return true;
        });

    it('approves the waiting run, then refuses what is no longer possible', async () => {
        await fails(['approve', 'churn', '--by', 'ana', '--why', 'ok'], /No run of 'churn' is waiting for approval/);
        const text = await toText(classificationCsv({ rows: 400, seed: 5 }));
        await app.data.getBlockBlobClient('churn/a.csv').upload(text, Buffer.byteLength(text));
        const shown = await app.until(
            'the run to wait for approval',
            async () => (await cli('status', 'churn')).stdout,
            (s) => s.includes('step awaiting-approval'),
        );
        assert.match(shown, /until \S+ \(then the timeout policy decides\)/);

        const { stdout } = await cli('approve', 'churn', '--by', 'ana', '--why', 'reviewed the metrics');
        const m = /^Approved run (\S+) of 'churn' \(by ana at \S+: reviewed the metrics\)\.$/m.exec(stdout);
        assert.ok(m, stdout);
        const runId = m[1];
        const runs = await app.until(
            'its run record',
            async () => (await cli('runs', '--target', 'churn', '--json')).stdout,
            (s) => s.includes(runId),
        );
        const record = (JSON.parse(runs) as RunRecord[]).find((r) => r.runId === runId)!;
        assert.equal(record.approval?.by, 'ana');

        // The same decision again, naming the run: the same answer, counted once.
        const again = await cli('approve', 'churn', '--run', runId, '--by', 'ana', '--why', 'reviewed the metrics');
        assert.equal(again.stdout, stdout);
        await fails(
            ['reject', 'churn', '--run', runId, '--by', 'ana', '--why', 'no'],
            /answered 409: Run \S+ already has a decision: approve by ana/,
        );
        await fails(
            ['reject', 'churn', '--run', 'nope', '--by', 'ana', '--why', 'no'],
            /Run nope is not a run of 'churn'/,
        );
        // A usage error exits 2, as for every command (README, CLI reference).
        await fails(['reject', 'churn', '--by', 'ana'], /usage: retrainer approve <target>/, 2);
    });

    it('upload --wait says the run waits for a decision and how to give it, then exits with the outcome', async () => {
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'retrainer-decide-')), 'b.csv');
        writeFileSync(file, await toText(classificationCsv({ rows: 400, seed: 6 })));
        // The waiting CLI is read as it prints: the decision is given only once it has said the run waits.
        const child = spawn(
            process.execPath,
            [CLI, 'upload', file, '--target', 'churn', '--wait', '--timeout-seconds', '240', ...cliFlags(app)],
            {
                env: { PATH: process.env.PATH },
            },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
        await app.until(
            'the waiting CLI to say the run waits for a decision',
            () => Promise.resolve(err),
            (e) => e.includes('awaiting-approval'),
        );
        assert.match(
            err,
            /\.\.\. awaiting-approval until \S+: decide with `retrainer approve\|reject churn --by NAME --why TEXT`/,
        );
        const { stdout } = await cli('reject', 'churn', '--by', 'ana', '--why', 'not this batch');
        assert.match(stdout, /^Rejected run \S+ of 'churn' \(by ana at \S+: not this batch\)\.$/m);
        assert.equal(await exited, 10, `exits with the Rejected code: ${err}`);
        assert.match(out, /Rejected/);
        // The gate passed: the reason line says who rejected it, or the run reads as contradicting its gate lines.
        assert.match(out, /^ {2}reason: Rejected by ana: not this batch$/m);
    });
});
