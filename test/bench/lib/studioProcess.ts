import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '..', '..', '..', 'src', 'local', 'studio', 'main.js');
export const DEMO_SEED_FILE = path.resolve(__dirname, '..', '..', '..', '..', 'studio.seed.json');

export interface StudioProcess {
    url: string;
    pid: number;
    /** Peak resident set size so far (VmHWM), MB. */
    peakRssMb(): number;
    stop(): Promise<void>;
}

/**
 * The studio emulator as `npm run studio` runs it, in its own process on a free port: load
 * generators in this process do not share its event loop, and its memory is its own.
 */
export async function startStudioProcess(
    storageConnectionString: string,
    seedFile = DEMO_SEED_FILE,
): Promise<StudioProcess> {
    const state = mkdtempSync(path.join(tmpdir(), 'retrainer-bench-studio-'));
    const child: ChildProcess = spawn(
        process.execPath,
        [MAIN, '--port', '0', '--storage', storageConnectionString, '--seed', seedFile, '--state', state],
        { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        const onData = (chunk: Buffer): void => {
            text += chunk.toString();
            const m = /listening on (http:\/\/\S+)/.exec(text);
            if (m) {
                child.stdout!.off('data', onData);
                resolve(m[1]);
            }
        };
        child.stdout!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`studio exited with ${code} before listening: ${text}`)));
    });
    // Its request log is part of the emulator's work; drain it so the pipe never blocks.
    child.stdout!.resume();
    const pid = child.pid!;
    return {
        url,
        pid,
        peakRssMb: () => {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
            return m ? Number(m[1]) / 1024 : NaN;
        },
        stop: () =>
            new Promise<void>((resolve) => {
                child.once('exit', () => {
                    rmSync(state, { recursive: true, force: true });
                    resolve();
                });
                child.kill('SIGTERM');
            }),
    };
}
