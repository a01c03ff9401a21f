import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

/** A file that is not there is named with the reason and the folder looked in, before any request. */
describe('retrainer upload: a missing file', () => {
    it('says no such file, and where it looked (exit 1)', () => {
        const cwd = mkdtempSync(path.join(tmpdir(), 'upload-missing-'));
        const cli = path.resolve(__dirname, '../../../src/cli/main.js');
        const r = spawnSync(
            process.execPath,
            [cli, 'upload', 'churn-nope.csv', '--url', 'http://127.0.0.1:9/api', '--key=k'],
            { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } },
        );
        assert.deepEqual(
            { status: r.status, stderr: r.stderr.trim() },
            { status: 1, stderr: `Cannot read 'churn-nope.csv': no such file in ${cwd}.` },
        );
    });
});
