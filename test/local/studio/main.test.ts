import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { eventually, testStorage } from '../../helpers/environment';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'dist/src/local/studio/main.js');
const SEED = path.join(ROOT, 'studio.seed.json');

interface Run {
    child: ChildProcess;
    out: () => string;
    err: () => string;
    exit: Promise<number | null>;
}

function run(args: string[], env: Record<string, string | undefined> = {}): Run {
    const child = spawn(process.execPath, [MAIN, ...args], {
        cwd: ROOT,
        env: { ...process.env, STUDIO_STORAGE_CONNECTION_STRING: undefined, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, out: () => out, err: () => err, exit };
}

describe('npm run studio (main.ts)', () => {
    let dir: string;
    let connectionString: string;

    before(async () => {
        dir = await mkdtemp(path.join(tmpdir(), 'studio-cli-'));
        connectionString = (await testStorage()).connectionString;
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('without storage: exit 2 naming --storage and STUDIO_STORAGE_CONNECTION_STRING', async () => {
        const r = run(['--seed', SEED]);
        assert.equal(await r.exit, 2);
        assert.match(r.err(), /--storage/);
        assert.match(r.err(), /STUDIO_STORAGE_CONNECTION_STRING/);
    });

    it('a bad seed: exit 2 with every problem named', async () => {
        const bad = path.join(dir, 'bad.seed.json');
        await writeFile(bad, JSON.stringify({ adminKey: 'short', workspaces: [] }));
        const r = run(['--seed', bad, '--storage', connectionString]);
        assert.equal(await r.exit, 2);
        assert.match(r.err(), /adminKey/);
        assert.match(r.err(), /armTokenSecret/);
        assert.match(r.err(), /workspaces/);
        assert.doesNotMatch(r.err(), /\n\s+at /, 'no stack trace');
        const notJson = path.join(dir, 'not.json');
        await writeFile(notJson, '{');
        const r2 = run(['--seed', notJson, '--storage', connectionString]);
        assert.equal(await r2.exit, 2);
        assert.match(r2.err(), /not JSON/);
    });

    it('an unknown option or a bad port: exit 2', async () => {
        assert.equal(await run(['--nope']).exit, 2);
        const r = run(['--port', 'x', '--storage', connectionString]);
        assert.equal(await r.exit, 2);
        assert.match(r.err(), /--port/);
    });

    it('serves the demo seed from the env connection string, prints the URL, stops on SIGTERM', async () => {
        const state = path.join(dir, 'state');
        const r = run(['--port', '0', '--seed', SEED, '--state', state], {
            STUDIO_STORAGE_CONNECTION_STRING: connectionString,
        });
        try {
            const url = await eventually(
                () => /listening on (http:\/\/\S+)/.exec(r.out())?.[1],
                () => `a URL printed: ${r.out()} ${r.err()}`,
                10_000,
            );
            const seed = JSON.parse(await readFile(SEED, 'utf8')) as { workspaces: { authorizationToken: string }[] };
            const res = await fetch(`${url}/workspaces/ws-demo/webservices/churn-predictive/endpoints`, {
                headers: { authorization: `Bearer ${seed.workspaces[0].authorizationToken}` },
            });
            assert.equal(res.status, 200);
            const names = ((await res.json()) as { Name: string }[]).map((e) => e.Name).sort();
            assert.deepEqual(names, ['default', 'retrained']);
        } finally {
            r.child.kill('SIGTERM');
        }
        assert.equal(await r.exit, 0);
        // State was written on the way out.
        const saved = JSON.parse(await readFile(path.join(state, 'state.json'), 'utf8')) as { version: number };
        assert.equal(saved.version, 1);
        assert.ok(!r.out().includes(connectionString.split('AccountKey=')[1].split(';')[0]), 'no account key printed');
    });
});
