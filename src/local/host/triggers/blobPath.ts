export class BlobPathError extends Error {
    override name = 'BlobPathError';
}

export interface BlobPathPattern {
    container: string;
    /** Literal start of blob names (list prefix). */
    prefix: string;
    /** Binding data of a blob name, undefined when the name does not match. */
    match(blobName: string): Record<string, string> | undefined;
}

/** `container/{name}`, `container/in/{name}.{ext}`: tokens become binding data, as on the host. */
export function parseBlobPath(path: string): BlobPathPattern {
    const slash = path.indexOf('/');
    const container = slash < 0 ? path : path.slice(0, slash);
    const rest = slash < 0 ? '' : path.slice(slash + 1);
    if (!/^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?$/.test(container) || container.includes('{')) {
        throw new BlobPathError(`Blob trigger path '${path}' must start with a literal container name.`);
    }
    const names: string[] = [];
    let rx = '';
    let i = 0;
    for (const m of rest.matchAll(/\{([A-Za-z_]\w*)\}/g)) {
        rx += rest.slice(i, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(m[1]);
        rx += '(.+)';
        i = (m.index ?? 0) + m[0].length;
    }
    rx += rest.slice(i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const regex = new RegExp(`^${rx || '(?:.+)'}$`);
    const firstToken = rest.indexOf('{');
    return {
        container,
        prefix: firstToken < 0 ? rest : rest.slice(0, firstToken),
        match(blobName) {
            const m = regex.exec(blobName);
            if (!m) return undefined;
            return Object.fromEntries(names.map((n, k) => [n, m[k + 1]]));
        },
    };
}
