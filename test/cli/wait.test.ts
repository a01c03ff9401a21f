import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import { exitCodeOf, RUN_EXIT_CODES, timeoutInMsOf, WAIT_TIMEOUT_EXIT_CODE } from '../../src/cli/wait';

describe('--wait exit codes', () => {
    it('exits 0 only for Promoted and a distinct non-zero code for every other final state', () => {
        assert.equal(exitCodeOf({ state: 'Promoted' }), 0);
        const others = ['Rejected', 'Skipped', 'Failed', 'RolledBack', 'Cancelled'].map((state) =>
            exitCodeOf({ state }),
        );
        for (const code of others) assert.ok(code > WAIT_TIMEOUT_EXIT_CODE, `code ${code} collides with 0-3`);
        assert.equal(new Set(others).size, others.length, `codes ${others.join(', ')} are not distinct`);
        assert.deepEqual(Object.keys(RUN_EXIT_CODES).sort(), [
            'Cancelled',
            'Failed',
            'Promoted',
            'Rejected',
            'RolledBack',
            'Skipped',
        ]);
    });

    it('gives a state it does not know its own code rather than success', () => {
        const code = exitCodeOf({ state: 'SomethingNew' });
        assert.notEqual(code, 0);
        assert.ok(!Object.values(RUN_EXIT_CODES).includes(code));
    });
});

describe('usage errors', () => {
    it('exit 2, as the README says: a command without its arguments, and an unknown option', () => {
        const cli = path.resolve(__dirname, '../../src/cli/main.js');
        for (const args of [
            ['upload', '--wait'],
            ['retrain', '--wait'],
            ['runs', '--bogus'],
        ]) {
            const r = spawnSync(process.execPath, [cli, ...args], {
                encoding: 'utf8',
                env: { PATH: process.env.PATH },
            });
            assert.equal(r.status, 2, `retrainer ${args.join(' ')}: ${r.stderr}`);
        }
    });
});

describe('--timeout-seconds', () => {
    it('is a whole number of seconds from 1 up, in ms', () => {
        assert.equal(timeoutInMsOf('900'), 900_000);
        for (const bad of ['abc', '0', '-5', '1.5', ''])
            assert.throws(() => timeoutInMsOf(bad), { name: 'UsageError', message: new RegExp(`not '${bad}'`) });
    });

    it('a bad value exits 2 before anything is uploaded, started or cancelled (the app below answers nothing)', () => {
        const cli = path.resolve(__dirname, '../../src/cli/main.js');
        const app = ['--url', 'http://127.0.0.1:9/api', '--key=k', '--storage', 'UseDevelopmentStorage=true'];
        for (const args of [
            ['retrain', 'churn', '--wait', '--timeout-seconds', 'abc'],
            ['cancel', 'churn', '--wait', '--timeout-seconds', 'abc'],
            ['upload', 'churn-x.csv', '--wait', '--timeout-seconds', 'abc'],
        ]) {
            const r = spawnSync(process.execPath, [cli, ...args, ...app], {
                encoding: 'utf8',
                env: { PATH: process.env.PATH },
            });
            assert.deepEqual(
                { status: r.status, stderr: r.stderr.trim() },
                { status: 2, stderr: "--timeout-seconds must be a whole number of seconds from 1 up, not 'abc'." },
                `retrainer ${args.join(' ')}`,
            );
        }
    });
});
