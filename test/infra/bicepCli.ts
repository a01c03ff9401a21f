import { execFileSync, spawnSync } from 'node:child_process';
import {
    chmodSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    readdirSync,
    readFileSync,
    renameSync,
    rmSync,
    writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The real Bicep compiler, fetched from NuGet (package `Azure.Bicep.CommandLine.linux-x64`, which
 * carries the self-contained `tools/bicep` binary) by a throwaway project's `PackageDownload` and
 * `dotnet restore`, into the git-ignored `.cache/bicep/` of the repo. Nothing is fetched by hand:
 * a clean clone with the .NET SDK gets the pinned compiler on the first test run (about 20 s).
 */
export const BICEP_VERSION = '0.49.2';

const PACKAGE = 'Azure.Bicep.CommandLine.linux-x64';
const ROOT = path.resolve(__dirname, '..', '..', '..');
const CACHE = path.join(ROOT, '.cache', 'bicep');
const PACKAGES = path.join(CACHE, 'packages');
const BINARY = path.join(PACKAGES, PACKAGE.toLowerCase(), BICEP_VERSION, 'tools', 'bicep');

/** Either the compiler's path, or why there is none here. */
export type BicepAvailability = { ok: true; bicep: string } | { ok: false; reason: string };

let cached: BicepAvailability | undefined;

/**
 * Returns the pinned Bicep CLI, restoring it from NuGet on first use. Never throws: a machine
 * without `dotnet`, or a failed restore, yields `{ ok: false, reason }` naming what to install.
 * Safe when several test processes call it at once: each restores into its own folder and the
 * first to finish renames it into place.
 */
export function bicepCli(): BicepAvailability {
    cached ??= locate();
    return cached;
}

function locate(): BicepAvailability {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
        return {
            ok: false,
            reason: `the pinned Bicep CLI is the linux-x64 build; this is ${process.platform}-${process.arch}`,
        };
    }
    if (!existsSync(BINARY)) {
        const dotnet = spawnSync('dotnet', ['--version'], { encoding: 'utf8' });
        if (dotnet.error || dotnet.status !== 0) {
            return {
                ok: false,
                reason: `the .NET SDK (dotnet) is not installed, so the Bicep CLI ${BICEP_VERSION} cannot be restored from NuGet; install the .NET SDK to compile and lint infra/`,
            };
        }
        mkdirSync(CACHE, { recursive: true });
        const work = mkdtempSync(path.join(CACHE, 'restore-'));
        try {
            writeFileSync(
                path.join(work, 'bicep.csproj'),
                `<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net${dotnet.stdout.trim().split('.')[0]}.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageDownload Include="${PACKAGE}" Version="[${BICEP_VERSION}]" /></ItemGroup>
</Project>
`,
            );
            const restored = spawnSync(
                'dotnet',
                ['restore', 'bicep.csproj', '--packages', path.join(work, 'packages'), '--nologo', '-v', 'q'],
                {
                    cwd: work,
                    encoding: 'utf8',
                    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
                },
            );
            if (restored.status !== 0) {
                return {
                    ok: false,
                    reason: `dotnet restore of ${PACKAGE} ${BICEP_VERSION} failed:\n${restored.stdout}${restored.stderr}`,
                };
            }
            try {
                renameSync(path.join(work, 'packages'), PACKAGES);
            } catch (err: unknown) {
                // Another test process won the race; its copy is the same package.
                if (!existsSync(BINARY)) throw err;
            }
        } finally {
            rmSync(work, { recursive: true, force: true });
        }
    }
    // NuGet does not keep the executable bit everywhere; the binary is useless without it.
    chmodSync(BINARY, 0o755);
    const version = execFileSync(BINARY, ['--version'], { encoding: 'utf8' });
    if (!version.includes(`Bicep CLI version ${BICEP_VERSION} `)) {
        return { ok: false, reason: `${BINARY} reports '${version.trim()}', not ${BICEP_VERSION}` };
    }
    return { ok: true, bicep: BINARY };
}

/** One compiler or linter finding, as `file(line,col) : Level CODE: message`. */
export interface BicepDiagnostic {
    file: string;
    line: number;
    code: string;
    message: string;
}

/** What compiling and linting every .bicep file under a folder produced. */
export interface BicepResult {
    /** The emitted ARM template of each file that built, by path relative to the folder (`app/api.bicep`). */
    templates: Map<string, ArmTemplate>;
    /** Every error, warning or lint finding of `bicep build` and `bicep lint`; empty means clean. */
    diagnostics: BicepDiagnostic[];
}

/** The part of an ARM template the infra tests read. */
export interface ArmTemplate {
    parameters?: Record<string, { type: string; defaultValue?: unknown }>;
    variables?: Record<string, unknown>;
    resources: ArmResource[];
    outputs?: Record<string, { type: string; value: unknown }>;
}

/** A resource of an ARM template; deployments (Bicep modules) nest a template. */
export interface ArmResource {
    type: string;
    apiVersion: string;
    name: string;
    condition?: unknown;
    scope?: string;
    resourceGroup?: string;
    copy?: { name: string; count: unknown };
    identity?: { type: string; userAssignedIdentities?: Record<string, unknown> };
    properties?: Record<string, unknown> & {
        template?: ArmTemplate;
        parameters?: Record<string, { value: unknown }>;
    };
    [key: string]: unknown;
}

const DIAGNOSTIC = /^(.*)\((\d+),\d+\) : (Error|Warning|Info) (\S+): (.*)$/;

function parseDiagnostics(text: string): BicepDiagnostic[] {
    return text
        .split('\n')
        .map((l) => DIAGNOSTIC.exec(l.trim()))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ file: m[1], line: Number(m[2]), code: m[4], message: `${m[3]} ${m[4]}: ${m[5]}` }));
}

/**
 * Builds every .bicep file under `dir` to ARM JSON and lints each, with the pinned compiler (two
 * runs with `--pattern`, since each start of the compiler costs seconds). Warnings are errors
 * here: every diagnostic of either command is returned, so a compiler warning (to Bicep a
 * misspelled property is only a warning, BCP037/BCP089) fails like an error. Lint rule levels come
 * from `infra/bicepconfig.json`. Throws only if the compiler itself cannot be run.
 */
export function compileBicep(bicep: string, folder: string): BicepResult {
    const dir = path.resolve(folder);
    const out = mkdtempSync(path.join(tmpdir(), 'retrainer-bicep-'));
    try {
        const pattern = path.join(dir, '**', '*.bicep');
        const run = (args: string[]) => {
            const r = spawnSync(bicep, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
            if (r.error) throw r.error;
            return r;
        };
        const build = run(['build', '--pattern', pattern, '--outdir', out]);
        const lint = run(['lint', '--pattern', pattern]);
        const seen = new Set<string>();
        const diagnostics = parseDiagnostics(`${build.stdout}\n${build.stderr}\n${lint.stdout}\n${lint.stderr}`).filter(
            (d) => {
                const key = `${d.file}:${d.line}:${d.message}`;
                return seen.has(key) ? false : (seen.add(key), true);
            },
        );
        if ((build.status !== 0 || lint.status !== 0) && diagnostics.length === 0) {
            diagnostics.push({
                file: dir,
                line: 0,
                code: 'exit',
                message: `bicep build exited ${build.status}, lint ${lint.status}: ${build.stderr}${lint.stderr}`,
            });
        }
        const templates = new Map<string, ArmTemplate>();
        for (const file of bicepFiles(dir)) {
            const rel = path.relative(dir, file);
            const json = path.join(out, rel.replace(/\.bicep$/, '.json'));
            if (!existsSync(json)) {
                // A file the pattern missed, or one that did not build, is a failure too.
                if (!diagnostics.some((d) => d.file === file))
                    diagnostics.push({ file, line: 0, code: 'no-output', message: 'no ARM template was emitted' });
                continue;
            }
            templates.set(rel.split(path.sep).join('/'), JSON.parse(readFileSync(json, 'utf8')) as ArmTemplate);
        }
        return { templates, diagnostics };
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}

/** Every .bicep file under `dir`, sorted. */
export function bicepFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true })
        .flatMap((e) =>
            e.isDirectory()
                ? bicepFiles(path.join(dir, e.name))
                : e.name.endsWith('.bicep')
                  ? [path.join(dir, e.name)]
                  : [],
        )
        .sort();
}

/** Formats diagnostics one a line, relative to the repo, for an assertion message. */
export function describeDiagnostics(diagnostics: BicepDiagnostic[]): string {
    return diagnostics.map((d) => `${path.relative(ROOT, d.file)}(${d.line}) ${d.message}`).join('\n');
}

/**
 * The compiler for a test, or a plain skip saying why there is none. Under CI (`CI=true`) a
 * missing compiler fails the test instead: CI must compile and lint infra/.
 */
export function bicepOrSkip(t: { skip(message?: string): void }): string | undefined {
    const found = bicepCli();
    if (found.ok) return found.bicep;
    if (process.env.CI === 'true') throw new Error(`CI requires the Bicep CLI: ${found.reason}`);
    t.skip(`Bicep compile and lint SKIPPED: ${found.reason}`);
    return undefined;
}
