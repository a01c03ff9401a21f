import { ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { eventually } from './environment';

export { freePort, freePortRun, laterPort } from './ports';

export const ROOT = path.resolve(__dirname, '../../..');
export const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const execFileAsync = promisify(execFile);

/** `npm start` flags a test picks: its own data folder, ports and files. */
export interface StackFlags {
    data: string;
    studioPort: number;
    /** Fixed across restarts, as a user's default 10000 is: a job's input URLs keep it. */
    blobPort: number;
    config?: string;
    settings?: string;
}

/**
 * `npm start` as a child process in its own process group, as a terminal runs it. `stop()` sends
 * Ctrl-C (SIGINT) to the whole group, as a terminal does, and waits for the stack process to exit.
 */
export class StackProcess {
    #output = '';
    private constructor(
        private readonly child: ChildProcess,
        readonly flags: StackFlags,
    ) {
        child.stdout!.on('data', (c: Buffer) => (this.#output += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (this.#output += c.toString()));
    }

    get output(): string {
        return this.#output;
    }

    /** The last lines of its output, for assertion messages. */
    tail(lines = 40): string {
        return this.#output.split('\n').slice(-lines).join('\n');
    }

    static async start(flags: StackFlags): Promise<StackProcess> {
        const args = ['start', '--', '--data', flags.data, '--blob-port', String(flags.blobPort)];
        args.push('--host-port', '0', '--studio-port', String(flags.studioPort));
        if (flags.config) args.push('--config', flags.config);
        if (flags.settings) args.push('--settings', flags.settings);
        const child = spawn('npm', args, {
            cwd: ROOT,
            env: cleanEnv(),
            detached: true,
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const stack = new StackProcess(child, flags);
        await waitFor(
            () => {
                if (child.exitCode !== null)
                    throw new Error(`npm start exited with ${child.exitCode}:\n${stack.tail()}`);
                return stack.output.includes('Retrainer offline stack is up');
            },
            120_000,
            () => `npm start did not come up:\n${stack.tail()}`,
        );
        return stack;
    }

    /** Ctrl-C to the process group; resolves once the stack process itself has exited. */
    async stop(): Promise<void> {
        const child = this.child;
        if (child.exitCode !== null || child.signalCode !== null) return;
        const stackPid = (JSON.parse(readFileSync(path.join(this.flags.data, 'stack.json'), 'utf8')) as { pid: number })
            .pid;
        const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
        process.kill(-child.pid!, 'SIGINT');
        await exited;
        await waitFor(
            () => !alive(stackPid),
            30_000,
            () => `the stack process is still running; log:\n${this.tail()}`,
        );
    }

    /** Runs `retrainer <args>` against this stack from `cwd`; rejects with the stack's log on a non-zero exit. */
    async cli(cwd: string, ...args: string[]): Promise<string> {
        const r = await this.cliExit(cwd, ...args);
        if (r.code !== 0) {
            throw new Error(`retrainer ${args.join(' ')} exited ${r.code}:\n${r.stderr}\nstack log:\n${this.tail()}`);
        }
        return r.stdout;
    }

    /** Runs `retrainer <args>` against this stack; a non-zero exit is returned with its output. */
    async cliExit(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
        try {
            const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, ...args, ...this.stackFlag(args)], {
                cwd,
                env: cleanEnv(),
                timeout: 180_000,
            });
            return { code: 0, stdout, stderr };
        } catch (err) {
            const e = err as { code?: unknown; stdout?: string; stderr?: string; message: string };
            if (typeof e.code !== 'number') throw err;
            return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
        }
    }

    private stackFlag(args: string[]): string[] {
        return args[0] === 'sample' || args[0] === 'init-target' || args.includes('--stack')
            ? []
            : ['--stack', this.flags.data];
    }
}

/** Runs `retrainer <args>` with no stack (commands that need none); rejects on a non-zero exit. */
export async function cliAlone(cwd: string, ...args: string[]): Promise<string> {
    const { stdout } = await execFileAsync(process.execPath, [CLI, ...args], {
        cwd,
        env: cleanEnv(),
        timeout: 180_000,
    });
    return stdout;
}

/** Polls `done` every 200 ms until it is true; fails with `message()` after `timeoutInMs`. */
export async function waitFor(
    done: () => boolean | Promise<boolean>,
    timeoutInMs: number,
    message: () => string,
): Promise<void> {
    await eventually(async () => ((await done()) ? true : undefined), message, timeoutInMs, 200);
}

/** The user's environment: none of the test runner's storage or app settings leak into the stack. */
export function cleanEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!/^(AzureWebJobs|RETRAINER_|TASKHUB|.*_API_KEY|STUDIO_|NODE_TEST)/i.test(k)) env[k] = v;
    }
    return env;
}

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The sample config pointed at a test's studio port, with a short debounce. */
export function sampleConfigFor(studioPort: number): string {
    return readFileSync(path.join(ROOT, 'retrainer.config.sample.json'), 'utf8')
        .replaceAll('127.0.0.1:7090', `127.0.0.1:${studioPort}`)
        .replaceAll('"quietPeriodInMs": 10000', '"quietPeriodInMs": 500');
}
