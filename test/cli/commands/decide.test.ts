import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');

/** Runs the built CLI and resolves with its exit code and stderr, whatever the code. */
function cli(args: string[]): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [CLI, ...args], (err, _stdout, stderr) => {
            resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stderr });
        });
    });
}

/**
 * approve/reject without --by or --why is a usage error (exit 2) whose first line names the
 * missing flags, checked before any request (the URL below answers nothing).
 */
describe('retrainer approve|reject: missing flags', () => {
    const app = ['--url', 'http://127.0.0.1:9/api', '--key=k'];
    const cases: [string[], string][] = [
        [['approve', 'houses', '--by', 'ana'], 'approve needs --why TEXT'],
        [['reject', 'houses', '--why', 'no'], 'reject needs --by NAME'],
        [['approve', 'houses'], 'approve needs --by NAME and --why TEXT'],
    ];
    for (const [args, named] of cases) {
        it(args.join(' '), async () => {
            const r = await cli([...args, ...app]);
            const first = r.stderr.split('\n')[0];
            assert.deepEqual(
                { code: r.code, first, usage: r.stderr.includes('usage: retrainer approve <target>') },
                { code: 2, first: `${named} (the run record keeps who decided and why).`, usage: true },
            );
        });
    }
});
