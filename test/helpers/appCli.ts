import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import type { AppUnderTest } from '../functions/appHost';

/** The built CLI's entry point (dist/src/cli/main.js). */
export const CLI = path.resolve(__dirname, '../../src/cli/main.js');

const run = promisify(execFile);

/**
 * How a user names a deployed app to the CLI: its API, function key and storage. `--key=` because a
 * key may start with '-', which would read as an option.
 */
export function cliFlags(app: AppUnderTest): string[] {
    return [
        `--url=${app.host.origin}/api`,
        `--key=${app.host.keys.functionDefault}`,
        `--storage=${app.scope.connectionString}`,
    ];
}

/**
 * Runs the built `retrainer` CLI with `args` and `cliFlags(app)`, with only PATH from this process's
 * environment, in `cwd`. Resolves with its output; rejects as execFile does on a non-zero exit (the
 * error carries `code`, `stdout` and `stderr`).
 */
export function appCli(
    app: AppUnderTest,
    cwd?: string,
): (...args: string[]) => Promise<{ stdout: string; stderr: string }> {
    return (...args) =>
        run(process.execPath, [CLI, ...args, ...cliFlags(app)], { env: { PATH: process.env.PATH }, cwd });
}
