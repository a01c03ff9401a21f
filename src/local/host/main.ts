import { parseArgs, USAGE, UsageError } from './cli';
import { loadLocalSettings } from './config/settings';
import { createLogger } from './core/log';
import { DevHost } from './host';

/** `npm run host`: the offline Functions host on the built app. */
async function main(): Promise<void> {
    const log = createLogger();
    let opts;
    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (err: unknown) {
        if (err instanceof UsageError) {
            console.error(`${err.message}\n${USAGE}`);
            process.exitCode = 2;
            return;
        }
        throw err;
    }
    const set = loadLocalSettings(opts.settingsFile);
    if (set.length) log.host(`Loaded ${set.length} settings from ${opts.settingsFile}: ${set.join(', ')}`);
    const connectionString = opts.storage ?? process.env.AzureWebJobsStorage ?? 'UseDevelopmentStorage=true';
    const host = await DevHost.start({
        appRoot: opts.appRoot,
        port: opts.port,
        connectionString,
        logger: log,
        pollMs: opts.pollMs,
        leaseMs: opts.leaseMs,
        blobScanMs: opts.blobScanMs,
        stateDir: opts.stateDir,
        semantics: opts.semantics,
    });
    let stopping = false;
    const stop = (): void => {
        if (stopping) return;
        stopping = true;
        host.stop().then(
            () => process.exit(0),
            (err: unknown) => {
                log.host(`Stop failed: ${err instanceof Error ? err.message : String(err)}`, 'error');
                process.exit(1);
            },
        );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
    createLogger().host(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 'critical');
    process.exitCode = 1;
});
