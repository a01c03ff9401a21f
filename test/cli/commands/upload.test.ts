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

    const refused = (file: string, cwd: string) => {
        const cli = path.resolve(__dirname, '../../../src/cli/main.js');
        const r = spawnSync(process.execPath, [cli, 'upload', file, '--url', 'http://127.0.0.1:9/api', '--key=k'], {
            cwd,
            encoding: 'utf8',
            env: { PATH: process.env.PATH },
        });
        return { status: r.status, stderr: r.stderr.trim() };
    };

    it('names an absolute path as given, without the current folder', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'upload-missing-'));
        const cwd = mkdtempSync(path.join(tmpdir(), 'upload-cwd-'));
        const file = path.join(dir, 'nonexist.csv');
        assert.deepEqual(refused(file, cwd), { status: 1, stderr: `Cannot read '${file}': no such file.` });
    });

    it('says a directory is a directory, not that its name misses the pattern', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'upload-dir-'));
        assert.deepEqual(refused(dir, tmpdir()), {
            status: 1,
            stderr: `Cannot upload '${dir}': it is a directory; name a .csv file in it.`,
        });
    });
});
