import path from 'node:path';

export class UsageError extends Error {
    override name = 'UsageError';
}

export interface CliOptions {
    appRoot: string;
    port: number;
    storage?: string;
    settingsFile: string;
    pollMs?: number;
    leaseMs?: number;
    blobScanMs?: number;
    stateDir?: string;
    semantics?: string;
}

export const USAGE = `Usage: node dist/src/local/host/main.js [appRoot] [options]
  --app-root <dir>     the Functions app folder (host.json, package.json); default: cwd
  --port <n>           HTTP port; default 7071 (0 = any free port)
  --storage <cs>       storage connection string; default AzureWebJobsStorage from the settings/env
  --settings <file>    local.settings.json whose Values become environment variables
  --poll-ms <n>        durable polling interval; --lease-ms <n> activity lease; --blob-scan-ms <n>
  --state-dir <dir>    where generated keys are kept
  --semantics <name>   default | azure: inject the faults Azure's runtime may show (RETRAINER_HOST_SEMANTICS)`;

function int(flag: string, v: string | undefined): number {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} needs a non-negative integer.`);
    return n;
}

export function parseArgs(argv: string[], cwd = process.cwd()): CliOptions {
    let appRoot: string | undefined;
    const o: Partial<CliOptions> = {};
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = (): string => {
            const v = argv[++i];
            if (v === undefined) throw new UsageError(`${a} needs a value.`);
            return v;
        };
        switch (a) {
            case '--app-root':
                appRoot = next();
                break;
            case '--port':
                o.port = int(a, next());
                break;
            case '--storage':
                o.storage = next();
                break;
            case '--settings':
                o.settingsFile = next();
                break;
            case '--poll-ms':
                o.pollMs = int(a, next());
                break;
            case '--lease-ms':
                o.leaseMs = int(a, next());
                break;
            case '--blob-scan-ms':
                o.blobScanMs = int(a, next());
                break;
            case '--state-dir':
                o.stateDir = next();
                break;
            case '--semantics':
                o.semantics = next();
                break;
            default:
                if (a.startsWith('-') || appRoot !== undefined) throw new UsageError(`Unknown argument '${a}'.`);
                appRoot = a;
        }
    }
    const root = path.resolve(cwd, appRoot ?? '.');
    return {
        ...o,
        appRoot: root,
        port: o.port ?? 7071,
        settingsFile: path.resolve(cwd, o.settingsFile ?? path.join(root, 'local.settings.json')),
    };
}
