import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { startAzurite } from '../src/local/common/azurite';
import { TEST_AZURITE_ENV } from './helpers/azurite';
import { findSecrets } from './reliability/secrets';

/**
 * Runs every *.test.js under dist/test (bench excluded) with node's test runner, against one
 * Azurite started here on free ports and stopped afterwards. `*.slow.test.js` files (the long
 * reliability scenarios) run only with `--slow` (all files) or `--slow-only`; `*.semantics.test.js`
 * files (the core scenarios under the dev host's azure semantics profile) only with
 * `--azure-semantics`; other arguments pick files by substring. Everything the tests print is scanned for the configured secrets.
 */
function findTests(dir: string): string[] {
    const out: string[] = [];
    for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) {
            if (entry !== 'bench' && entry !== 'fixtures') out.push(...findTests(full));
        } else if (entry.endsWith('.test.js')) {
            out.push(full);
        }
    }
    return out.sort();
}

async function main(): Promise<void> {
    const root = __dirname;
    const args = process.argv.slice(2);
    const slow = args.includes('--slow') ? 'with' : args.includes('--slow-only') ? 'only' : 'without';
    const filter = args.filter((a) => !a.startsWith('--'));
    const semantics = args.includes('--azure-semantics');
    const files = findTests(root)
        .filter((f) => f.endsWith('.semantics.test.js') === semantics)
        .filter((f) => semantics || (slow === 'with' ? true : f.endsWith('.slow.test.js') === (slow === 'only')))
        .filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)));
    if (files.length === 0) throw new Error(`No test files matched ${filter.join(' ')}`);
    const azurite = await startAzurite();
    const env = {
        ...process.env,
        [TEST_AZURITE_ENV]: JSON.stringify({
            host: azurite.host,
            blobPort: azurite.blobPort,
            queuePort: azurite.queuePort,
            tablePort: azurite.tablePort,
        }),
    };
    const output: Buffer[] = [];
    const code = await new Promise<number>((resolve) => {
        const child = spawn(
            process.execPath,
            ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=300000', ...files],
            { stdio: ['inherit', 'pipe', 'pipe'], env },
        );
        child.stdout.on('data', (c: Buffer) => {
            output.push(c);
            process.stdout.write(c);
        });
        child.stderr.on('data', (c: Buffer) => {
            output.push(c);
            process.stderr.write(c);
        });
        child.once('close', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    await azurite.stop();
    const leaks = findSecrets(Buffer.concat(output).toString('utf8'));
    if (leaks.length > 0) console.error(`Secrets appeared in the test output: ${leaks.join(', ')}`);
    process.exitCode = code || (leaks.length > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
