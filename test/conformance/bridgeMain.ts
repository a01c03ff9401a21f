import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadApp } from '../../src/local/host/core/loader';
import { listFunctions, startBridge } from './bridge';
import { proxySource } from './proxies';

/**
 * `node bridgeMain.js serve <appRoot>`: loads the app and serves the bridge, printing
 * `CONFORMANCE_BRIDGE <url>` once it listens; it stops when stdin closes (its parent died or let
 * go), so no orphan keeps a port.
 * `node bridgeMain.js proxies <appRoot> <out.cs>`: writes the C# proxy functions for the app.
 */
async function main(): Promise<void> {
    const [mode, appRoot, out] = process.argv.slice(2);
    if (!appRoot || (mode !== 'serve' && mode !== 'proxies') || (mode === 'proxies' && !out)) {
        throw new Error('usage: bridgeMain.js serve <appRoot> | proxies <appRoot> <out.cs>');
    }
    if (mode === 'proxies') {
        const app = loadApp(appRoot);
        writeFileSync(path.resolve(out ?? ''), proxySource(listFunctions(app.registry)));
        return;
    }
    const bridge = await startBridge(appRoot);
    process.stdout.write(`CONFORMANCE_BRIDGE ${bridge.url}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => {
        void bridge.close().then(() => process.exit(0));
    });
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
});
