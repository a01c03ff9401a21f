import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { writeStackInfo } from '../../src/local/stack/stackFile';
import { AppUnderTest, startApp } from '../functions/appHost';
import { testStorage } from '../helpers/azurite';
import { churnTarget, housesTarget } from '../helpers/demoTargets';

const CLI = path.resolve(__dirname, '../../src/cli/main.js');

interface Exit {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Every CLI command that talks to the app, against the dev host running the built app: an unknown
 * target and a refused key are reported as the command's own request (not the listing it made
 * first), with the app's targets or what to do about the key.
 */
describe('CLI errors name the command’s own request', () => {
    let app: AppUnderTest;
    let url: string;
    let storage: string;
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-errors-'));

    before(async () => {
        app = await startApp((w) => [churnTarget(w), housesTarget(w)]);
        url = `${app.host.origin}/api`;
        storage = (await testStorage()).connectionString;
        writeFileSync(path.join(dir, 'rows.csv'), 'tenure,monthly_charges,support_calls,contract_months\n1,2,3,4\n');
    });
    after(async () => {
        await app?.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    const cli = (args: string[], env: Record<string, string> = {}): Promise<Exit> =>
        new Promise((ok) => {
            execFile(
                process.execPath,
                [CLI, ...args],
                { env: { PATH: process.env.PATH, ...env }, cwd: dir },
                (err, stdout, stderr) => ok({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
            );
        });

    const decide = ['--by', 'ana', '--why', 'checked'];
    /** Each command naming target `t`, and the request it is about. */
    const commands = (t: string): [string[], string][] => [
        [['retrain', t], `POST /retrain/${t}`],
        [['retrain', t, '--wait'], `POST /retrain/${t}`],
        [['cancel', t], `POST /retrain/${t}/cancel`],
        [['status', t], `GET /targets/${t}`],
        [['runs', '--target', t], 'GET /runs'],
        [['score', t, 'rows.csv'], `POST /score/${t}`],
        [['data', 'list', t], `GET /data/${t}`],
        [['data', 'exclude', t, 'a.csv'], `POST /data/${t}/exclude`],
        [['data', 'include', t, 'a.csv'], `POST /data/${t}/include`],
        [['approve', t, ...decide], 'POST /runs/{waiting run}/approve'],
        [['reject', t, '--run', 'r1', ...decide], 'POST /runs/r1/reject'],
    ];

    for (const [args, request] of commands('nosuch')) {
        it(`retrainer ${args.join(' ')}: names ${request}, the unknown target and the app's targets`, async () => {
            const r = await cli([...args, `--url=${url}`, `--key=${app.host.keys.functionDefault}`]);
            assert.deepEqual(
                { code: r.code, stderr: r.stderr.trim(), stdout: r.stdout },
                {
                    code: 1,
                    stderr: `${request} answered 404: Unknown target 'nosuch'. The app's targets: churn, houses.`,
                    stdout: '',
                },
            );
        });
    }

    it('retrainer upload --target nosuch names the unknown target and the app’s targets', async () => {
        const r = await cli(['upload', 'rows.csv', '--target', 'nosuch', `--url=${url}`, '--key=wrong']);
        assert.equal(r.code, 1);
        // The wrong key is met first: upload's own request is the listing of targets.
        assert.match(r.stderr, /^GET \/targets answered 401: /);
        const ok = await cli([
            'upload',
            'rows.csv',
            '--target',
            'nosuch',
            `--url=${url}`,
            `--key=${app.host.keys.functionDefault}`,
            `--storage=${storage}`,
        ]);
        assert.deepEqual(
            { code: ok.code, stderr: ok.stderr.trim() },
            { code: 1, stderr: "Unknown target 'nosuch'; the app has: churn, houses." },
        );
    });

    for (const [args, request] of commands('churn')) {
        it(`retrainer ${args.join(' ')} with a wrong --key: names ${request} and says which key to fix`, async () => {
            const r = await cli([...args, `--url=${url}`, '--key=wrong']);
            assert.deepEqual(
                { code: r.code, stderr: r.stderr.trim() },
                {
                    code: 1,
                    stderr:
                        `${request} answered 401: Unauthorized: a valid function key is required. ` +
                        "Check the function key: the app refused the one from --key; pass the app's function key " +
                        '(the portal\'s "Function keys", or `az functionapp keys list`) with --key or RETRAINER_KEY.',
                },
            );
        });
    }

    it('a wrong RETRAINER_KEY is named as such', async () => {
        const r = await cli(['retrain', 'churn'], { RETRAINER_URL: url, RETRAINER_KEY: 'wrong' });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /^POST \/retrain\/churn answered 401: .* the app refused the one from RETRAINER_KEY;/);
    });

    it("a stale stack file's key is named with the file, and what to do", async () => {
        const stack = path.join(dir, 'stack');
        mkdirSync(stack);
        writeStackInfo(stack, {
            apiUrl: url,
            functionKey: 'from-an-earlier-start',
            storageConnectionString: storage,
            studioUrl: app.studio.url,
            pid: process.pid,
        });
        const r = await cli(['status', 'churn', '--stack', stack]);
        assert.deepEqual(
            { code: r.code, stderr: r.stderr.trim() },
            {
                code: 1,
                stderr:
                    'GET /targets/churn answered 401: Unauthorized: a valid function key is required. ' +
                    `Check the function key: the local stack refused the one from ${path.join(stack, 'stack.json')}; ` +
                    'is that the stack `npm start` runs now? Restart it to rewrite the file.',
            },
        );
    });
});
