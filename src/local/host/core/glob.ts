import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** `a/{b,c/d}.js` -> [`a/b.js`, `a/c/d.js`] (nested braces supported). */
export function expandBraces(pattern: string): string[] {
    const open = pattern.indexOf('{');
    if (open < 0) return [pattern];
    let depth = 0;
    let close = -1;
    for (let i = open; i < pattern.length; i++) {
        if (pattern[i] === '{') depth++;
        else if (pattern[i] === '}' && --depth === 0) {
            close = i;
            break;
        }
    }
    if (close < 0) return [pattern];
    const parts: string[] = [];
    let start = open + 1;
    depth = 0;
    for (let i = open + 1; i < close; i++) {
        if (pattern[i] === '{') depth++;
        else if (pattern[i] === '}') depth--;
        else if (pattern[i] === ',' && depth === 0) {
            parts.push(pattern.slice(start, i));
            start = i + 1;
        }
    }
    parts.push(pattern.slice(start, close));
    const head = pattern.slice(0, open);
    const tail = pattern.slice(close + 1);
    return parts.flatMap((p) => expandBraces(head + p + tail));
}

function segmentRegex(segment: string): RegExp {
    const body = segment
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]');
    return new RegExp(`^${body}$`);
}

/**
 * The files a `package.json#main` glob names, in the order of its brace alternatives (so
 * `{index.js,functions/*.js}` loads index.js first) and sorted within each, relative to `root`.
 * Supports braces and `*`/`?` within a path segment: what Functions apps use in practice.
 */
export function expandGlob(root: string, pattern: string): string[] {
    const out = new Set<string>();
    for (const alt of expandBraces(pattern)) {
        let current = [path.resolve(root)];
        for (const segment of alt.split(/[\\/]/).filter((s) => s !== '' && s !== '.')) {
            if (!/[*?]/.test(segment)) {
                current = current.map((dir) => path.join(dir, segment));
                continue;
            }
            const rx = segmentRegex(segment);
            current = current.flatMap((dir) => {
                try {
                    return readdirSync(dir)
                        .filter((name) => rx.test(name))
                        .map((name) => path.join(dir, name));
                } catch {
                    return [];
                }
            });
        }
        for (const file of current.sort()) {
            try {
                if (statSync(file).isFile()) out.add(file);
            } catch {
                // a literal path that does not exist: reported by the loader as "no entry files"
            }
        }
    }
    return [...out];
}
