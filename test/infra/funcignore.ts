import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `.funcignore` as the deployment tools read it (gitignore rules, the subset this repo uses): a
 * pattern without a slash matches a file or folder name at any depth (`*` within a name); one with
 * a slash matches from the root; a folder match excludes everything under it.
 */
export function funcignore(root: string): (relativePath: string) => boolean {
    const patterns = readFileSync(path.join(root, '.funcignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
    const toRegex = (p: string) => new RegExp(`^${p.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    const rules = patterns.map((p) => {
        const anchored = p.replace(/^\/|\/$/g, '');
        return { re: toRegex(anchored), rooted: anchored.includes('/') };
    });
    return (relativePath) => {
        const parts = relativePath.split(path.sep).join('/').split('/');
        return rules.some(({ re, rooted }) =>
            rooted
                ? parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')))
                : parts.some((part) => re.test(part)),
        );
    };
}
