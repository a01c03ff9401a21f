import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadApp } from '../../src/local/host/core/loader';
import { listFunctions, startBridge } from './bridge';
import { proxySource } from './proxies';

/**
 * `node bridgeMain.js serve <appRoot>`: serves the bridge, printing `CONFORMANCE_BRIDGE <url>` once
 * it listens and `CONFORMANCE_APP <origin>` once the .NET host sent its client binding and the app
 * runs; it stops when stdin closes (its parent died or let go), so no orphan keeps a port.
 * Environment: AzureWebJobsStorage, CONFORMANCE_STATE_DIR, CONFORMANCE_HOST_ID, and the app's
 * settings.
 * `node bridgeMain.js proxies <appRoot> <out.cs> [className]`: writes the C# proxy functions for the
 * app (one class per app, so several apps' proxies build into one host).
 */
async function main(): Promise<void> {
    const [mode, appRoot, out, className] = process.argv.slice(2);
    if (!appRoot || (mode !== 'serve' && mode !== 'proxies') || (mode === 'proxies' && !out)) {
        throw new Error('usage: bridgeMain.js serve <appRoot> | proxies <appRoot> <out.cs>');
    }
    if (mode === 'proxies') {
        const app = loadApp(appRoot);
        writeFileSync(path.resolve(out ?? ''), proxySource(listFunctions(app.registry), className));
        return;
    }
    const env = (name: string): string => {
        const value = process.env[name];
        if (!value) throw new Error(`${name} is not set.`);
        return value;
    };
    const bridge = await startBridge({
        appRoot,
        connectionString: env('AzureWebJobsStorage'),
        stateDir: env('CONFORMANCE_STATE_DIR'),
        hostId: env('CONFORMANCE_HOST_ID'),
        blobScanMs: Number(process.env.CONFORMANCE_BLOB_SCAN_MS ?? 200),
        blobQueuePollMs: 100,
        onAppStarted: (origin) => process.stdout.write(`CONFORMANCE_APP ${origin}\n`),
    });
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
