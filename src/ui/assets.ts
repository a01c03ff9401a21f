import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The page's static files, shipped in the deployment package: `ui/` at the package root, and the
 * charting library from its npm package (a production dependency, so never fetched from a CDN).
 */
const PACKAGE_ROOT = path.resolve(__dirname, '../../..');

const FILES: Record<string, { file: string; type: string }> = {
    '': { file: 'ui/index.html', type: 'text/html; charset=utf-8' },
    'index.html': { file: 'ui/index.html', type: 'text/html; charset=utf-8' },
    'app.js': { file: 'ui/app.js', type: 'text/javascript; charset=utf-8' },
    'app.css': { file: 'ui/app.css', type: 'text/css; charset=utf-8' },
    'chart.umd.js': { file: 'node_modules/chart.js/dist/chart.umd.js', type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, Buffer>();

/** The asset at `name` (a path under /api/ui/), or undefined: only the listed files are served. */
export async function readAsset(name: string): Promise<{ body: Buffer; type: string } | undefined> {
    const entry = FILES[name];
    if (!entry) return undefined;
    let body = cache.get(entry.file);
    if (!body) {
        body = await readFile(path.join(PACKAGE_ROOT, entry.file));
        cache.set(entry.file, body);
    }
    return { body, type: entry.type };
}
