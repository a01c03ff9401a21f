import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a running `npm start` tells the CLI, in `{data}/stack.json`: where the app and storage are. */
export interface StackInfo {
    apiUrl: string;
    functionKey: string;
    /** Azurite's well-known development account; not a secret. */
    storageConnectionString: string;
    studioUrl: string;
    pid: number;
}

export const STACK_FILE = 'stack.json';

export function writeStackInfo(dataDir: string, info: StackInfo): void {
    writeFileSync(path.join(dataDir, STACK_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

export function removeStackInfo(dataDir: string): void {
    rmSync(path.join(dataDir, STACK_FILE), { force: true });
}

/** The running stack's info, or undefined when none was started from this folder (or it has stopped). */
export function readStackInfo(dataDir: string): StackInfo | undefined {
    const file = path.join(dataDir, STACK_FILE);
    if (!existsSync(file)) return undefined;
    const info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
    return isAlive(info.pid) ? info : undefined;
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
}
