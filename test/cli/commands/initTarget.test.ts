import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');
const run = promisify(execFile);

/**
 * `init-target --settings FILE` writes the keys to FILE, which `npm start` does not read by
 * default: the closing hint must name the file to pass (it used to say "it reads
 * local.settings.json", which did not hold). Offline: the baseline trains in-process.
 */
describe('retrainer init-target: the restart hint', () => {
    it('names --settings when the settings went elsewhere', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'init-target-hint-'));
        const sample = path.join(dir, 'mine.csv');
        await run(process.execPath, [CLI, 'sample', 'churn', 'baseline', '--rows', '400', '--out', sample]);
        const settings = path.join(dir, 'my.settings.json');
        const { stdout } = await run(
            process.execPath,
            [
                CLI,
                'init-target',
                'mine',
                sample,
                '--label',
                'churned',
                '--task',
                'classification',
                '--config',
                path.join(dir, 'c.json'),
                '--seed',
                path.join(dir, 's.json'),
                '--settings',
                settings,
            ],
            { cwd: dir },
        );
        assert.match(stdout, /\nNext: restart with `npm start -- --settings my\.settings\.json`, then:\n/);
    });
});
