import { execFileSync } from 'node:child_process';

/**
 * Loads the app's entry files in a fresh Node process, in order, the way the Node worker does
 * (`require` of each file `package.json` `main` names, from the app root), and returns every module
 * that ended up loaded, relative to the root. Without a Functions host the library runs in its
 * test mode and skips the registrations themselves, which does not change what gets required.
 */
export function modulesLoadedBy(root: string, entryFiles: string[]): string[] {
    const script = `
        const path = require('node:path');
        for (const f of JSON.parse(process.argv[1])) require(f);
        process.stdout.write(JSON.stringify(Object.keys(require.cache).map((k) => path.relative(process.cwd(), k))));
    `;
    const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(entryFiles)], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
    });
    return JSON.parse(out) as string[];
}
