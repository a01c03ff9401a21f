/**
 * Does a blob (name within the data container) belong to a target's training data? Patterns are
 * literal except `*`, which matches any run of characters including `/` (e.g. `churn/*.csv`).
 */
export function matchesDataPattern(pattern: string, blobName: string): boolean {
    const re = new RegExp(`^${pattern.split('*').map(escape).join('.*')}$`);
    return re.test(blobName);
}

/** The literal prefix before the first `*`: what to list the container with. */
export function listPrefix(pattern: string): string {
    const i = pattern.indexOf('*');
    return i < 0 ? pattern : pattern.slice(0, i);
}

function escape(s: string): string {
    return s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
