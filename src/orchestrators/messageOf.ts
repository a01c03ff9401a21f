export function messageOf(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/**
 * An error as a run record shows it: `reason`, one line for people; `detail`, the rest of the
 * message, if any. Stack frames and absolute paths are dropped from both (a failed activity's
 * message can carry the worker's stack, and the engine appends its failure details as a JSON
 * line), and an empty message still says something.
 */
export function reasonOf(err: unknown): { reason: string; detail?: string } {
    const lines = messageOf(err)
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^at\s/.test(l) && !isFailureDetails(l))
        .map(stripPaths);
    const reason = lines[0] || (err instanceof Error && err.name !== 'Error' ? err.name : 'an unexplained error');
    const detail = lines.slice(1).join(' ');
    return detail ? { reason, detail } : { reason };
}

/**
 * The durable engine's failure details, appended to a failed activity's message as one JSON line:
 * the dev host's `{ Message, StackTrace }`, the real engine's serialized .NET exception (see
 * test/conformance/results.json). Its message is already the first line; the rest is a stack trace.
 */
function isFailureDetails(line: string): boolean {
    if (!line.startsWith('{') || !line.endsWith('}')) return false;
    try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed === 'object' && parsed !== null && 'Message' in parsed;
    } catch {
        return false;
    }
}

/** Absolute file paths (POSIX and Windows, file:// URLs) become their base name. */
function stripPaths(text: string): string {
    return (
        text
            .replace(/file:\/\/\/?\S+?([^/\\\s]+)(?=[\s:)]|$)/g, '$1')
            // Only a path that starts a word: the path of a URL (`http://host:port/a/b`) is kept whole.
            .replace(/(?<=^|[\s'"(=:])(?:[A-Za-z]:\\|\/)(?:[^\s/\\:()'"]+[/\\])+([^\s/\\:()'"]+)/g, '$1')
    );
}
