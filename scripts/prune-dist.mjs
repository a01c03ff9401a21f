// Before an incremental build: remove compiled files whose TypeScript source is gone. tsc never
// deletes outputs, and the Functions host loads every dist/src/functions/*.js the package `main`
// glob matches, so a stale file from a deleted source would register its functions twice.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
let removed = 0;

function walk(dir) {
    for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) {
            walk(full);
            continue;
        }
        const m = /^(.*)\.js(\.map)?$/.exec(entry);
        if (!m) continue;
        const rel = path.relative(dist, path.join(dir, m[1]));
        if (!existsSync(path.join(root, `${rel}.ts`))) {
            rmSync(full);
            removed += 1;
        }
    }
}

for (const top of ['src', 'test']) {
    if (existsSync(path.join(dist, top))) walk(path.join(dist, top));
}
if (removed > 0) console.log(`prune-dist: removed ${removed} compiled file(s) whose source is gone`);
