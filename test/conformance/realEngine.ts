import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repo root (this file runs from dist/test/conformance). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const HOST_PROJECT = path.join(REPO_ROOT, 'test', 'conformance', 'host');
const BRIDGE_MAIN = path.join(__dirname, 'bridgeMain.js');
const HOST_DLL = path.join(HOST_PROJECT, 'bin', 'Release', 'net10.0', 'ConformanceHost.dll');

/** The .NET SDK's version, or undefined when `dotnet` is not on PATH (or does not run). */
export async function dotnetVersion(): Promise<string | undefined> {
    try {
        const { stdout } = await run('dotnet', ['--version'], { timeout: 60_000 });
        return stdout.trim();
    } catch {
        return undefined;
    }
}

export interface BuildTimings {
    proxiesInMs: number;
    buildInMs: number;
}

/**
 * Generates the proxy functions for each app in `appRoots` (each in a child process: a process
 * loads one app) and builds the conformance host (restore included). Function names must not clash
 * across the apps. Throws with the tool's output on failure.
 */
export async function buildConformanceHost(appRoots: string[]): Promise<BuildTimings> {
    const t0 = Date.now();
    const generated = path.join(HOST_PROJECT, 'Generated');
    rmSync(generated, { recursive: true, force: true });
    mkdirSync(generated, { recursive: true });
    for (const [i, appRoot] of appRoots.entries()) {
        await run(process.execPath, [
            BRIDGE_MAIN,
            'proxies',
            appRoot,
            path.join(generated, `Proxies${i}.g.cs`),
            `AppProxies${i}`,
        ]);
    }
    const t1 = Date.now();
    try {
        await run('dotnet', ['build', HOST_PROJECT, '-c', 'Release', '-nologo', '-v', 'q', '-clp:ErrorsOnly'], {
            timeout: 600_000,
            maxBuffer: 16 * 1024 * 1024,
        });
    } catch (err: unknown) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`dotnet build of ${HOST_PROJECT} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
            cause: err,
        });
    }
    return { proxiesInMs: t1 - t0, buildInMs: Date.now() - t1 };
}

/**
 * The engine alone: the host's C# orchestrator and activity on a fresh task hub, no Node. Throws
 * with the host's output when it does not complete, so a package or Azurite problem is named before
 * any scenario blames the bridge.
 */
export async function engineSelfTest(connectionString: string): Promise<string> {
    try {
        const { stdout } = await run('dotnet', [HOST_DLL, 'selftest'], {
            env: { ...process.env, AzureWebJobsStorage: connectionString, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
            timeout: 300_000,
            maxBuffer: 64 * 1024 * 1024,
        });
        const line = stdout.split('\n').find((l) => l.startsWith('CONFORMANCE_SELFTEST '));
        return line ?? 'no result line';
    } catch (err: unknown) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        const tail = `${e.stdout ?? ''}\n${e.stderr ?? ''}`.split('\n').slice(-30).join('\n');
        throw new Error(`the engine self test failed: ${e.message}\n${tail}`, { cause: err });
    }
}

/** Resolves with the first capture of `pattern` in the process's output; rejects if it exits first. */
function waitForLine(proc: ChildProcess, output: string[], pattern: RegExp, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
        for (const line of output) {
            const m = pattern.exec(line);
            if (m) return resolve(m[1]);
        }
        const onLine = (line: string): void => {
            const m = pattern.exec(line);
            if (m) {
                proc.off('line', onLine);
                resolve(m[1]);
            }
        };
        proc.on('line', onLine);
        proc.once('exit', (code) =>
            reject(new Error(`${what} exited (${String(code)}) before it was ready:\n${output.slice(-40).join('\n')}`)),
        );
    });
}

/** Keeps every output line (for failure reports) and re-emits each as a 'line' event. */
function collect(proc: ChildProcess, output: string[], keep: (line: string) => boolean): void {
    for (const stream of [proc.stdout, proc.stderr]) {
        let buffer = '';
        stream?.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('utf8');
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            for (const line of lines) {
                if (keep(line)) output.push(line);
                proc.emit('line', line);
            }
        });
    }
}

export interface RealEngineApp {
    /** The dev host's HTTP origin serving the app's HTTP routes (its durable engine is off). */
    origin: string;
    /** The Durable extension's local RPC endpoint, e.g. http://127.0.0.1:17071/durabletask/. */
    rpcBaseUrl: string;
    /** Output of both processes, the storage SDK's request lines left out. */
    logs: string[];
    /** Graceful stop: closes both processes' stdin and waits for them to exit. */
    stop(): Promise<void>;
    /** SIGKILL of the .NET host only: the crash half of crash-and-resume. */
    killEngine(): Promise<void>;
    /** Starts a new .NET host against the same bridge and task hub (after killEngine). */
    restartEngine(): Promise<void>;
}

export interface StartRealEngineOptions {
    appRoot: string;
    /** Every app setting plus AzureWebJobsStorage. */
    env: Record<string, string>;
    /** Dev host state (keys); a fresh folder per run. */
    stateDir: string;
    hostId: string;
}

function exited(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/**
 * Starts the app on the real engine: the Node bridge (app code, its triggers through the dev host
 * with the durable engine off), then the .NET WebJobs host with the real Durable extension, which
 * sends the bridge its client binding. Resolves when the app's triggers run. The conformance host
 * must have been built (buildConformanceHost).
 */
export async function startRealEngine(opts: StartRealEngineOptions): Promise<RealEngineApp> {
    const logs: string[] = [];
    const keep = (l: string): boolean => !l.startsWith('MS_DURABLE_FUNCTION_EVENTS_LOGS');
    const env = {
        ...process.env,
        ...opts.env,
        // The dev host runs the scenarios with a 1.5 s activity lease; the engine's equivalent is how
        // long a dequeued activity message stays invisible when its worker dies (5 min by default;
        // the control queue's floor is 1 min). Idle queue polling backs off to 30 s by default,
        // which only slows the scenarios down.
        CONFORMANCE_DURABLETASK_OVERRIDES: JSON.stringify({
            storageProvider: {
                workItemQueueVisibilityTimeout: '00:00:05',
                controlQueueVisibilityTimeout: '00:01:00',
                maxQueuePollingInterval: '00:00:01',
            },
        }),
        CONFORMANCE_STATE_DIR: opts.stateDir,
        CONFORMANCE_HOST_ID: opts.hostId,
    };
    const bridge = spawn(process.execPath, [BRIDGE_MAIN, 'serve', opts.appRoot], {
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    collect(bridge, logs, keep);
    const bridgeUrl = await waitForLine(bridge, logs, /^CONFORMANCE_BRIDGE (\S+)/, 'the Node bridge');
    const appOrigin = waitForLine(bridge, logs, /^CONFORMANCE_APP (\S+)/, 'the Node bridge');
    appOrigin.catch(() => undefined);

    let engine: ChildProcess;
    const startEngine = async (): Promise<string> => {
        engine = spawn('dotnet', [HOST_DLL, 'serve', opts.appRoot], {
            env: { ...env, CONFORMANCE_BRIDGE_URL: bridgeUrl, DOTNET_CLI_TELEMETRY_OPTOUT: '1' },
            stdio: ['pipe', 'pipe', 'pipe'],
        });
        collect(engine, logs, keep);
        return waitForLine(engine, logs, /^CONFORMANCE_HOST_READY (\S+)/, 'the .NET conformance host');
    };
    let rpcBaseUrl: string;
    try {
        rpcBaseUrl = await startEngine();
    } catch (err: unknown) {
        bridge.kill('SIGKILL');
        throw err;
    }
    const origin = await appOrigin;
    return {
        origin,
        get rpcBaseUrl() {
            return rpcBaseUrl;
        },
        logs,
        stop: async () => {
            engine.stdin?.end();
            await exited(engine);
            bridge.stdin?.end();
            await exited(bridge);
        },
        killEngine: async () => {
            engine.kill('SIGKILL');
            await exited(engine);
        },
        restartEngine: async () => {
            rpcBaseUrl = await startEngine();
        },
    };
}
