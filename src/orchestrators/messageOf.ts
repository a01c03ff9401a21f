export function messageOf(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * An error as a run record shows it: `reason`, one line for people; `detail`, the rest of the
 * message, if any. Stack frames and absolute paths are dropped from both (a failed activity's
 * message can carry the worker's stack), and an empty message still says something.
 */
export function reasonOf(err: unknown): { reason: string; detail?: string } {
    const lines = messageOf(err)
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^at\s/.test(l))
        .map(stripPaths);
    const reason = lines[0] || (err instanceof Error && err.name !== 'Error' ? err.name : 'an unexplained error');
    const detail = lines.slice(1).join(' ');
    return detail ? { reason, detail } : { reason };
}

/** Absolute file paths (POSIX and Windows, file:// URLs) become their base name. */
function stripPaths(text: string): string {
    return text
        .replace(/file:\/\/\/?\S+?([^/\\\s]+)(?=[\s:)]|$)/g, '$1')
        .replace(/(?:[A-Za-z]:\\|\/)(?:[^\s/\\:()'"]+[/\\])+([^\s/\\:()'"]+)/g, '$1');
}
