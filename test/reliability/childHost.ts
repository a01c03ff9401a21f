import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { HostKeys } from '../../src/local/host/http/keys';
import { hostStarted } from '../helpers/hostProcess';

/** The repo root: host.json and package.json naming the built functions. */
export const APP_ROOT = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(APP_ROOT, 'dist', 'src', 'local', 'host', 'main.js');

export interface ChildHost {
    proc: ChildProcess;
    origin: string;
    /** Everything the process printed, one entry per line. */
    output: string[];
    keys: HostKeys;
    kill9(): Promise<void>;
    stop(): Promise<void>;
}

/**
 * The dev host on the built app as its own process (`node main.js`), as `npm run host` runs it,
 * so a test can SIGKILL it like a crashed machine. Waits for its "Host started" line.
 */
export async function spawnHost(
    env: Record<string, string>,
    stateDir: string,
    output: string[] = [],
): Promise<ChildHost> {
    const proc = spawn(
        process.execPath,
        [
            MAIN,
            APP_ROOT,
            '--port',
            '0',
            '--poll-ms',
            '50',
            '--lease-ms',
            '1500',
            '--blob-scan-ms',
            '200',
            '--state-dir',
            stateDir,
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const origin = await hostStarted(proc, output);
    const keys = JSON.parse(readFileSync(path.join(stateDir, 'keys.json'), 'utf8')) as HostKeys;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const signal = async (s: NodeJS.Signals): Promise<void> => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(s);
        await exited;
    };
    return { proc, origin, output, keys, kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}

/** Polls `probe` until it returns a value; the bound only turns a hang into a named failure. */
export async function eventually<T>(
    probe: () => Promise<T | undefined> | T | undefined,
    what: string,
    timeoutInMs = 60_000,
    everyMs = 50,
): Promise<T> {
    const until = Date.now() + timeoutInMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
