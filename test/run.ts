import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { startAzurite } from '../src/local/common/azurite';
import { TEST_AZURITE_ENV } from './helpers/azurite';

/**
 * Runs every *.test.js under dist/test (bench excluded) with node's test runner, against one
 * Azurite started here on free ports and stopped afterwards.
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
    const filter = process.argv.slice(2);
    const files = findTests(root).filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)));
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
    const code = await new Promise<number>((resolve) => {
        const child = spawn(
            process.execPath,
            ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=300000', ...files],
            { stdio: 'inherit', env },
        );
        child.once('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0)));
    });
    await azurite.stop();
    process.exitCode = code;
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
