import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';

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

    for (const flag of ['--host-port', '--studio-port'] as const) {
        it(`names the port and ${flag}`, async () => {
            const busy = await hold();
            const ports = { '--host-port': '0', '--studio-port': '0', [flag]: String(busy) };
            const args = [MAIN, '--data', path.join(dir, flag), '--blob-port', '0', ...Object.entries(ports).flat()];
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
});
