import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

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
