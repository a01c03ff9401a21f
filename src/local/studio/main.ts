import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

import { SeedError, parseSeed } from './seed';
import { StudioServer } from './server';

const USAGE = `Usage: npm run studio -- [--port 7090] [--host 127.0.0.1] [--storage "<connection string>"]
                           [--seed studio.seed.json] [--state .retrainer/studio]
The storage connection string comes from --storage or STUDIO_STORAGE_CONNECTION_STRING.`;

class UsageError extends Error {}

function options(argv: string[]): { port: number; host: string; storage: string; seed: string; state: string } {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                port: { type: 'string', default: '7090' },
                host: { type: 'string', default: '127.0.0.1' },
                storage: { type: 'string' },
                seed: { type: 'string', default: 'studio.seed.json' },
                state: { type: 'string', default: '.retrainer/studio' },
            },
        }));
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be 0..65535, got '${values.port}'.`);
    const storage = values.storage ?? process.env.STUDIO_STORAGE_CONNECTION_STRING;
    if (!storage)
        throw new UsageError(
            'No storage: pass --storage "<connection string>" or set STUDIO_STORAGE_CONNECTION_STRING.',
        );
    return { port, host: values.host, storage, seed: values.seed, state: values.state };
}

/** Strips account keys and SAS signatures from a message that may quote a connection string or URL. */
function scrub(text: string): string {
    return text.replace(/(AccountKey=)[^;\s"']+/gi, '$1REDACTED').replace(/(sig=)[^&\s"']+/gi, '$1REDACTED');
}

/** `npm run studio`: the offline Azure ML Studio (classic) emulator. */
async function main(): Promise<void> {
    let opts;
    let seed;
    try {
        opts = options(process.argv.slice(2));
        let text: string;
        try {
            text = await readFile(opts.seed, 'utf8');
        } catch (err) {
            throw new UsageError(`Cannot read the seed file '${opts.seed}': ${(err as Error).message}`);
        }
        try {
            seed = parseSeed(JSON.parse(text) as unknown);
        } catch (err) {
            if (err instanceof SyntaxError)
                throw new UsageError(`The seed file '${opts.seed}' is not JSON: ${err.message}`);
            if (err instanceof SeedError) throw new UsageError(`${opts.seed}: ${err.message}`);
            throw err;
        }
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        console.error(`${err.message}\n\n${USAGE}`);
        process.exitCode = 2;
        return;
    }
    const server = await StudioServer.start({
        port: opts.port,
        host: opts.host,
        storageConnectionString: opts.storage,
        seed,
        stateDir: opts.state,
    });
    console.log(`Studio emulator listening on ${server.url} (seed ${opts.seed}, state ${opts.state})`);
    let stopping = false;
    const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        console.log(`${signal}: stopping the studio emulator`);
        server.close().then(
            () => process.exit(0),
            (err: unknown) => {
                console.error(`Stop failed: ${err instanceof Error ? err.message : String(err)}`);
                process.exit(1);
            },
        );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
    // Messages only: a stack or a raw error object could quote the connection string.
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    console.error(`Studio emulator failed: ${scrub(text)}`);
    process.exitCode = 1;
});
