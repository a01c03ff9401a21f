import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, renameSync } from 'node:fs';
import path from 'node:path';

import { funcignore } from './funcignore';

/**
 * Every file the deployment uploads from `root`: the tree minus what `.funcignore` excludes (azd
 * zips the project folder the same way for a remote build). Paths are relative, with `/`.
 */
export function shippedFiles(root: string): string[] {
    const ignored = funcignore(root);
    const walk = (rel: string): string[] =>
        readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
            const p = rel ? `${rel}/${e.name}` : e.name;
            if (ignored(p)) return [];
            return e.isDirectory() ? walk(p) : [p];
        });
    return walk('');
}

/** Copies `files` (relative paths) from `from` into `to`. */
export function copyFiles(from: string, to: string, files: string[]): void {
    for (const f of files) {
        mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
        copyFileSync(path.join(from, f), path.join(to, f));
    }
}

/** One command of the build, with what it printed. */
export interface BuildStep {
    command: string;
    cwd: string;
    status: number | null;
    output: string;
}

/** The outcome of the remote build: every step run, in order; `ok` when all of them succeeded. */
export interface RemoteBuild {
    ok: boolean;
    steps: BuildStep[];
}

/** Runs a command to its end, collecting stdout and stderr together. */
function run(command: string, args: string[], cwd: string): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
        const child = spawn(command, args, {
            cwd,
            env: { ...process.env, npm_config_update_notifier: 'false' },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const chunks: Buffer[] = [];
        child.stdout.on('data', (c: Buffer) => chunks.push(c));
        child.stderr.on('data', (c: Buffer) => chunks.push(c));
        child.once('error', (err) => resolve({ status: null, output: String(err) }));
        child.once('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString('utf8') }));
    });
}

/** Options of remoteBuild. */
export interface RemoteBuildOptions {
    /**
     * A folder whose `node_modules` (installed from the same lockfile) the build starts from, as
     * Oryx starts a build from the previous build's modules (`.oryx_all_node_modules` copied back to
     * `node_modules`). `npm install` still runs and reconciles the tree with the shipped
     * package.json and lockfile; the seed only spares re-extracting hundreds of packages. The
     * files are hard-linked, and npm replaces files rather than writing into them.
     */
    seedModulesFrom?: string;
}

/**
 * The remote build of a Node.js function app as Azure runs it (Oryx, the build system of App
 * Service and Azure Functions remote builds, which the "TypeScript build options" page for Azure
 * Functions describes as: Azure installs the dependencies and runs the build script), step by step:
 *
 * 1. production dependencies into a side folder: `package.json`, `package-lock.json` (and `.npmrc`)
 *    copied there, then `npm install --production`;
 * 2. in the app folder: `npm install`, then `npm run build` when package.json has a `build`
 *    script, then `npm run build:azure` when it has that one;
 * 3. the dev dependencies pruned: `node_modules` replaced by the side folder's.
 *
 * Sources: microsoft/Oryx, src/BuildScriptGenerator/Node/NodeBashBuildSnippet.sh.tpl (the build
 * script template) and NodeConstants.cs (`npm install`, `{0} --production`, `{0} run build`,
 * `{0} run build:azure`); https://learn.microsoft.com/azure/azure-functions/typescript-build-options
 * ("Remote build"). `--prefer-offline --no-audit --no-fund` only spare registry round trips: the
 * lockfile pins every package and its integrity hash. Stops at the first failing step.
 */
export async function remoteBuild(dir: string, options: RemoteBuildOptions = {}): Promise<RemoteBuild> {
    const steps: BuildStep[] = [];
    const npm = async (cwd: string, args: string[]): Promise<boolean> => {
        const r = await run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund'], cwd);
        steps.push({ command: `npm ${args.join(' ')}`, cwd, status: r.status, output: r.output });
        return r.status === 0;
    };
    const prod = path.join(dir, '.oryx_prod_node_modules');
    mkdirSync(prod, { recursive: true });
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) {
        if (existsSync(path.join(dir, f))) copyFileSync(path.join(dir, f), path.join(prod, f));
    }
    if (options.seedModulesFrom) {
        for (const target of [prod, dir]) {
            const linked = await run(
                'cp',
                ['-al', path.join(options.seedModulesFrom, 'node_modules'), path.join(target, 'node_modules')],
                dir,
            );
            if (linked.status !== 0) throw new Error(`seeding node_modules failed: ${linked.output}`);
            // npm's record of the tree it last wrote: rewritten in place, so never shared.
            rmSync(path.join(target, 'node_modules', '.package-lock.json'), { force: true });
        }
    }
    const scripts =
        (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
            .scripts ?? {};
    const ok =
        (await npm(prod, ['install', '--production'])) &&
        (await npm(dir, ['install'])) &&
        (scripts.build === undefined || (await npm(dir, ['run', 'build']))) &&
        (scripts['build:azure'] === undefined || (await npm(dir, ['run', 'build:azure'])));
    if (ok) {
        rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
        if (existsSync(path.join(prod, 'node_modules')))
            renameSync(path.join(prod, 'node_modules'), path.join(dir, 'node_modules'));
        rmSync(prod, { recursive: true, force: true });
    }
    return { ok, steps };
}

/** The steps of a build, one a line with exit status; the failing step's output in full. */
export function describeBuild(build: RemoteBuild): string {
    return build.steps
        .map((s) => `${s.command} (in ${path.basename(s.cwd)}) -> ${s.status}${s.status === 0 ? '' : `\n${s.output}`}`)
        .join('\n');
}
