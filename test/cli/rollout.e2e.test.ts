import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { RUN_EXIT_CODES } from '../../src/cli/wait';
import { deriveDeploymentName } from '../../src/clients/azureml';
import { classificationCsv, toText } from '../../src/local/samples';
import { AppUnderTest } from '../functions/appHost';
import { startAzureMlApp } from '../functions/azuremlApp';

interface Exit {
    code: number;
    stdout: string;
    stderr: string;
}

const CLI = path.resolve(__dirname, '../../src/cli/main.js');

/**
 * `upload --wait` on Azure ML v2 targets, end to end (dev host, studio emulator, Azurite): the run's
 * rollout is summarised (deployment, traffic steps reached, outcome) for a promotion and for a
 * deployment whose golden rows fail before it gets any traffic.
 */
describe('retrainer upload --wait: an Azure ML v2 rollout summary', () => {
    let app: AppUnderTest;
    let flags: string[];
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-rollout-'));

    before(async () => {
        ({ app } = await startAzureMlApp());
        const storage = process.env.RETRAINER_DATA_STORAGE!;
        flags = [`--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`, `--storage=${storage}`];
        writeFileSync(path.join(dir, 'a.csv'), await toText(classificationCsv({ rows: 1500, seed: 1 })));
        writeFileSync(path.join(dir, 'b.csv'), await toText(classificationCsv({ rows: 1500, seed: 3 })));
    });
    after(async () => {
        await app?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    const upload = (file: string, target: string): Promise<Exit> =>
        new Promise((ok) => {
            execFile(
                process.execPath,
                [CLI, 'upload', file, '--target', target, '--wait', '--timeout-seconds', '300', ...flags],
                { env: { PATH: process.env.PATH }, cwd: dir },
                (err, stdout, stderr) => ok({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
            );
        });
    const runIdOf = (out: string): string => {
        const m = /^Run (\S+) of /m.exec(out);
        assert.ok(m, out);
        return m[1];
    };

    it('a promotion: the new deployment beside blue, 10% -> 50% -> 100%, blue kept at 0%', async () => {
        const r = await upload('a.csv', 'churnml');
        assert.equal(r.code, RUN_EXIT_CODES.Promoted, `${r.stdout}\n${r.stderr}\n${app.logs.slice(-30).join('\n')}`);
        const runId = runIdOf(r.stdout);
        const fresh = deriveDeploymentName('churnml', runId);
        const version = runId.replace(/[^a-zA-Z0-9\-_.]+/g, '-');
        const summary = r.stdout.split('\n').filter((l) => /^ {2}(rollout|traffic|outcome):/.test(l));
        assert.deepEqual(summary, [
            `  rollout: model churnml:${version} as deployment '${fresh}' (beside 'blue')`,
            '  traffic: 10% -> 50% -> 100%',
            `  outcome: promoted: '${fresh}' takes all traffic; 'blue' kept at 0%`,
        ]);
    });

    it('golden rows that fail: no traffic, the deployment deleted, and why, said once', async () => {
        const r = await upload('b.csv', 'strictml');
        assert.equal(r.code, RUN_EXIT_CODES.RolledBack, `${r.stdout}\n${r.stderr}`);
        const fresh = deriveDeploymentName('strictml', runIdOf(r.stdout));
        assert.match(
            r.stdout,
            new RegExp(
                `^ {2}traffic: none \\(its golden rows failed first\\)\\n {2}outcome: rolled back \\('${fresh}' deleted before any traffic\\): Deployment '${fresh}' failed its golden rows before any traffic: .*never`,
                'm',
            ),
        );
        assert.doesNotMatch(r.stdout, /^ {2}reason:/m, 'the outcome line carries the reason');
    });
});
