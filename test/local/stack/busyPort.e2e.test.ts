import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { recordBlobPort, recordedBlobPort } from '../../../src/local/stack/blobPort';
import { readStackInfo, writeStackInfo } from '../../../src/local/stack/stackFile';
import { freePort, ROOT } from '../../helpers/stackProcess';

const MAIN = path.join(ROOT, 'dist', 'src', 'local', 'stack', 'main.js');
const run = promisify(execFile);

/** `npm start` on a port another process holds: one line naming the port and the flag, exit 1. */
describe('npm start on a busy port', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-busy-'));
    const servers: Server[] = [];
    after(async () => {
        await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
        rmSync(dir, { recursive: true, force: true });
    });
    const hold = async (): Promise<number> => {
        const port = await freePort();
        const server = createServer();
        await new Promise<void>((ok) => server.listen(port, '127.0.0.1', ok));
        servers.push(server);
        return port;
    };

    // The blob port is Azurite's, a child process: its listen error reaches the stack only as output.
    for (const flag of ['--host-port', '--studio-port', '--blob-port'] as const) {
        it(`names the port and ${flag}`, async () => {
            const busy = await hold();
            const ports = { '--host-port': '0', '--studio-port': '0', '--blob-port': '0', [flag]: String(busy) };
            const args = [MAIN, '--data', path.join(dir, flag), ...Object.entries(ports).flat()];
            const failed = await run(process.execPath, args, { cwd: ROOT, timeout: 120_000 }).then(
                () => assert.fail('the stack must not start on a busy port'),
                (e: { code: number; stderr: string }) => e,
            );
            assert.equal(failed.code, 1, failed.stderr);
            assert.equal(
                failed.stderr.trim(),
                `Port ${busy} is already in use by another process: stop it, or start on another port with \`npm start -- ${flag} N\` (0 picks a free one).`,
            );
        });
    }

    /** Runs main.js expecting it to refuse: its exit code, output and error output. */
    const refused = (args: string[]) =>
        run(process.execPath, [MAIN, ...args], { cwd: ROOT, timeout: 120_000 }).then(
            () => assert.fail(`the stack must not start with ${args.join(' ')}`),
            (e: { code: number; stdout: string; stderr: string }) => e,
        );

    /** A start on `stackDir` (blob port `blobPort`, the others 0) exits 1 with `message` alone on stderr. */
    const refusedInOneLine = async (stackDir: string, blobPort: string, message: string): Promise<void> => {
        const args = ['--data', stackDir, '--blob-port', blobPort, '--host-port', '0', '--studio-port', '0'];
        const failed = await refused(args);
        assert.equal(failed.code, 1, failed.stderr);
        assert.equal(failed.stdout, '');
        assert.equal(failed.stderr.trim(), message);
    };

    it('refuses an unknown flag or a port that is not one in one line, exit 2', async () => {
        const stackDir = path.join(dir, 'flags');
        const unknown = await refused(['--data', stackDir, '--cofig', 'x.json']);
        assert.equal(unknown.code, 2, unknown.stderr);
        assert.match(unknown.stderr.trim(), /^npm start: Unknown option '--cofig'.*Flags: --data DIR, --config FILE/);
        assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
        const port = await refused(['--data', stackDir, '--blob-port', 'abc']);
        assert.equal(port.code, 2, port.stderr);
        assert.equal(
            port.stderr.trim(),
            "npm start: --blob-port 'abc' is not a port (0 to 65533; 0 picks a free one).",
        );
        assert.ok(!existsSync(path.join(stackDir, 'azurite')), 'Azurite was started');
    });

    it('refuses a second stack on a folder whose stack is running', async () => {
        const stackDir = path.join(dir, 'running');
        // This test's own process stands in for the running stack: stack.json names a live pid.
        mkdirSync(stackDir);
        writeStackInfo(stackDir, {
            apiUrl: 'http://127.0.0.1:7071/api',
            functionKey: 'k',
            storageConnectionString: 'UseDevelopmentStorage=true',
            studioUrl: 'http://127.0.0.1:7090',
            pid: process.pid,
        });
        await refusedInOneLine(
            stackDir,
            '0',
            `A stack is already running from ${stackDir} (pid ${process.pid}, app at http://127.0.0.1:7071/api): use it, stop it first (Ctrl-C in its terminal), or give this one its own folder with --data DIR.`,
        );
        assert.ok(!existsSync(path.join(stackDir, 'azurite')), 'Azurite was started');
        assert.equal(readStackInfo(stackDir)?.pid, process.pid, "the running stack's stack.json is kept");
    });

    it('keeps a folder on the blob port its storage was first served on, and refuses another', async () => {
        const stackDir = path.join(dir, 'kept');
        // As a first start leaves it: the port its run records and deployed models name.
        mkdirSync(stackDir);
        recordBlobPort(stackDir, 20123);
        await refusedInOneLine(
            stackDir,
            '20124',
            `The stack in ${stackDir} keeps its storage on blob port 20123: its run records and deployed models name ` +
                `blobs by URL with that port, so on port 20124 rollbacks and resumed runs would fail. Start without ` +
                `--blob-port (or with --blob-port 20123), free port 20123, or give this stack its own folder with --data DIR.`,
        );
        assert.ok(!existsSync(path.join(stackDir, 'azurite')), 'Azurite was started');
        assert.equal(recordedBlobPort(stackDir), 20123);
    });

    it('refuses a broken config in one line per issue, before starting anything', async () => {
        const config = path.join(dir, 'broken.config.json');
        const sample = JSON.parse(readFileSync(path.join(ROOT, 'retrainer.config.sample.json'), 'utf8')) as {
            targets: { data: Record<string, unknown> }[];
        };
        const data = sample.targets[0].data;
        data.prefixPatern = data.prefixPattern;
        delete data.prefixPattern;
        writeFileSync(config, JSON.stringify(sample, null, 4));
        const stackDir = path.join(dir, 'broken');
        const args = [MAIN, '--data', stackDir, '--config', config];
        args.push('--blob-port', '0', '--host-port', '0', '--studio-port', '0');
        const failed = await run(process.execPath, args, { cwd: ROOT, timeout: 120_000 }).then(
            () => assert.fail('the stack must not start with a broken config'),
            (e: { code: number; stdout: string; stderr: string }) => e,
        );
        assert.equal(failed.code, 1, failed.stderr);
        assert.equal(failed.stdout, '', 'nothing started, so nothing to report');
        assert.equal(
            failed.stderr.trim(),
            [
                `Invalid retrainer config ${config}:`,
                '  - targets[0].data.prefixPattern: missing (required, string)',
                '  - targets[0].data.prefixPatern: unknown key',
            ].join('\n'),
        );
        assert.ok(!existsSync(path.join(stackDir, 'azurite')), 'Azurite was started');
    });
});
