import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

/** The well-known development account every Azurite accepts; it is public, not a secret. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteEndpoints {
    blobPort: number;
    queuePort: number;
    tablePort: number;
    host: string;
}

export interface AzuriteInstance extends AzuriteEndpoints {
    connectionString: string;
    pid: number | undefined;
    stop(): Promise<void>;
    /** Synchronous SIGKILL, for process 'exit' handlers. */
    kill(): void;
    /** Lets this process exit while Azurite still runs (pair with kill() on 'exit'). */
    unref(): void;
}

export interface StartAzuriteOptions {
    /** Folder for persisted data; omitted means in-memory (tests). */
    location?: string;
    blobPort?: number;
    queuePort?: number;
    tablePort?: number;
    startupTimeoutInMs?: number;
    /**
     * Run Azurite in its own process group, so a Ctrl-C in the terminal (sent to the whole
     * foreground group) does not reach it: the caller stops it last, after everything that still
     * writes to storage. It still exits on its own when this process dies (it watches its parent).
     */
    ownProcessGroup?: boolean;
}

export function azuriteConnectionString(e: AzuriteEndpoints): string {
    const base = `http://${e.host}`;
    return [
        'DefaultEndpointsProtocol=http',
        `AccountName=${AZURITE_ACCOUNT}`,
        `AccountKey=${AZURITE_KEY}`,
        `BlobEndpoint=${base}:${e.blobPort}/${AZURITE_ACCOUNT}`,
        `QueueEndpoint=${base}:${e.queuePort}/${AZURITE_ACCOUNT}`,
        `TableEndpoint=${base}:${e.tablePort}/${AZURITE_ACCOUNT}`,
    ].join(';');
}

/** Preloaded into a detached Azurite: exits when its parent is gone (re-parented), even after a SIGKILL. */
const PARENT_WATCH = path.join(__dirname, 'parentWatch.js');

function azuriteBin(): string {
    return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}

/**
 * Starts the npm Azurite as a child process. Port 0 (the default) lets the OS pick free ports,
 * which Azurite reports on stdout; we read them back from there rather than racing a port probe.
 */
export async function startAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
    const host = '127.0.0.1';
    const args = [
        azuriteBin(),
        '--blobHost',
        host,
        '--queueHost',
        host,
        '--tableHost',
        host,
        '--blobPort',
        String(options.blobPort ?? 0),
        '--queuePort',
        String(options.queuePort ?? 0),
        '--tablePort',
        String(options.tablePort ?? 0),
        '--skipApiVersionCheck',
        '--disableProductStyleUrl',
        '--disableTelemetry',
        '--loose',
    ];
    if (options.location) {
        mkdirSync(options.location, { recursive: true });
        args.push('--location', options.location);
    } else {
        args.push('--inMemoryPersistence');
    }
    const child = options.ownProcessGroup
        ? spawn(process.execPath, ['--require', PARENT_WATCH, ...args], {
              stdio: ['ignore', 'pipe', 'pipe'],
              detached: true,
          })
        : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ports = await readPorts(child, options.startupTimeoutInMs ?? 30_000);
    const endpoints: AzuriteEndpoints = { host, ...ports };
    return {
        ...endpoints,
        connectionString: azuriteConnectionString(endpoints),
        pid: child.pid,
        stop: () => stopChild(child),
        unref: () => {
            child.unref();
            for (const s of [child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
        },
        kill: () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        },
    };
}

function readPorts(child: ChildProcess, timeoutInMs: number): Promise<Omit<AzuriteEndpoints, 'host'>> {
    return new Promise((resolve, reject) => {
        const found: Record<string, number> = {};
        let output = '';
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`Azurite did not start within ${timeoutInMs} ms. Output:\n${output}`));
        }, timeoutInMs);
        const onData = (chunk: Buffer): void => {
            output += chunk.toString();
            for (const m of output.matchAll(
                /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g,
            )) {
                found[m[1].toLowerCase()] = Number(m[2]);
            }
            if (found.blob && found.queue && found.table) {
                clearTimeout(timer);
                child.stdout?.off('data', onData);
                // Keep draining so a chatty child never blocks on a full pipe.
                child.stdout?.resume();
                resolve({ blobPort: found.blob, queuePort: found.queue, tablePort: found.table });
            }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
        child.once('exit', (code) => {
            clearTimeout(timer);
            const err = new Error(`Azurite exited with code ${code} before it was ready. Output:\n${output}`);
            // Azurite prints Node's listen error; carry its code and port as a listen error would,
            // so a caller tells a busy port from any other failure.
            const busy = /EADDRINUSE:?[^\n]*?:(\d+)\b/.exec(output);
            reject(busy ? Object.assign(err, { code: 'EADDRINUSE', port: Number(busy[1]) }) : err);
        });
    });
}

function stopChild(child: ChildProcess): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
            clearTimeout(kill);
            resolve();
        });
        child.kill('SIGTERM');
    });
}
