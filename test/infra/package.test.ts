import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { expandGlob } from '../../src/local/host/core/glob';
import { loadApp } from '../../src/local/host/core/loader';
import { funcignore } from './funcignore';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** Every file the deployment would upload: the tree minus what .funcignore excludes. */
function shippedFiles(): string[] {
    const ignored = funcignore(ROOT);
    const walk = (rel: string): string[] =>
        readdirSync(path.join(ROOT, rel), { withFileTypes: true }).flatMap((e) => {
            const p = rel ? `${rel}/${e.name}` : e.name;
            if (ignored(p)) return [];
            return e.isDirectory() ? walk(p) : [p];
        });
    return walk('');
}

/**
 * What Azure's remote build does with the package azd uploads: the shipped files alone (with the
 * installed dependencies) compile, and the compiled app registers its functions from `main`.
 */
describe('the deployment package builds remotely', () => {
    it('ships only app sources and build inputs', () => {
        const files = shippedFiles();
        for (const f of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'src/index.ts']) {
            assert.ok(files.includes(f), `${f} is not shipped`);
        }
        const stray = files.filter(
            (f) =>
                !/^(src\/(?!local\/|cli\/)|ui\/|scripts\/prune-dist\.mjs$|host\.json$|package(-lock)?\.json$|tsconfig\.json$|retrainer\.config\.json$|\.funcignore$|azure\.yaml$|\.prettier)/.test(
                    f,
                ),
        );
        assert.deepEqual(stray, []);
    });

    it("does not ship the offline stack's emulator credential or its config kind", () => {
        const shipped = shippedFiles().filter((f) => f.startsWith('src/'));
        assert.deepEqual(
            shipped.filter((f) => /emulator/i.test(f)),
            [],
        );
        for (const f of shipped) {
            const text = readFileSync(path.join(ROOT, f), 'utf8');
            assert.ok(
                !/EmulatorCredential|mintEmulatorToken|'emulator'/.test(text),
                `${f} knows the emulator credential`,
            );
        }
    });

    it('compiles from the shipped files and registers every function', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-package-'));
        for (const f of shippedFiles()) {
            mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            copyFileSync(path.join(ROOT, f), path.join(dir, f));
        }
        symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
        try {
            execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
        } catch (err: unknown) {
            assert.fail(`tsc failed on the shipped files:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
        }
        const main = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string }).main;
        const entries = expandGlob(dir, main);
        const functionSources = readdirSync(path.join(ROOT, 'src', 'functions')).filter((f) => f.endsWith('.ts'));
        assert.equal(entries.length, functionSources.length + 1);
        const app = loadApp(dir);
        assert.ok(app.registry.functions.size >= functionSources.length, `${app.registry.functions.size} functions`);
        const dirs = (p: string) =>
            readdirSync(p, { withFileTypes: true })
                .filter((e) => e.isDirectory())
                .map((e) => e.name)
                .sort();
        assert.deepEqual(
            dirs(path.join(dir, 'dist', 'src')),
            dirs(path.join(ROOT, 'src')).filter((d) => d !== 'local' && d !== 'cli'),
        );
    });
});
