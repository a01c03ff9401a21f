export class RouteTemplateError extends Error {
    override name = 'RouteTemplateError';
}

export interface CompiledRoute {
    template: string;
    /** Higher wins when two routes match: literal segments beat parameters, catch-alls lose. */
    precedence: number;
    match(pathname: string): Record<string, string> | undefined;
}

const CONSTRAINTS: Record<string, RegExp> = {
    int: /^-?\d+$/,
    long: /^-?\d+$/,
    alpha: /^[A-Za-z]+$/,
    bool: /^(true|false)$/i,
    guid: /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i,
    double: /^-?\d+(\.\d+)?$/,
};

interface Segment {
    literal?: string;
    name?: string;
    optional?: boolean;
    catchAll?: boolean;
    constraint?: RegExp;
}

function parseSegment(seg: string): Segment {
    const m = /^\{(\*?)([A-Za-z_][\w]*)((?::[^}?=]+)*)(\?)?\}$/.exec(seg);
    if (!m) {
        if (/[{}]/.test(seg)) throw new RouteTemplateError(`Route segment '${seg}' is not supported.`);
        return { literal: seg.toLowerCase() };
    }
    const constraintName = (m[3] ?? '').split(':').filter(Boolean)[0];
    const constraint = constraintName ? CONSTRAINTS[constraintName.replace(/\(.*$/, '')] : undefined;
    return { name: m[2], catchAll: m[1] === '*', optional: m[4] === '?' || m[1] === '*', constraint };
}

/** ASP.NET-style route templates as Functions uses them: `{x}`, `{x?}`, `{x:int}`, `{*rest}`. */
export function compileRoute(template: string): CompiledRoute {
    const segments = template.split('/').filter(Boolean).map(parseSegment);
    const precedence =
        segments.reduce((p, s) => p * 4 + (s.literal !== undefined ? 3 : s.catchAll ? 0 : s.constraint ? 2 : 1), 1) *
            100 +
        segments.length;
    return {
        template,
        precedence,
        match(pathname) {
            const parts = pathname.split('/').filter(Boolean);
            const params: Record<string, string> = {};
            for (let i = 0; i < segments.length; i++) {
                const s = segments[i];
                const part = parts[i];
                if (s.catchAll) {
                    if (i < parts.length) params[s.name as string] = parts.slice(i).map(decodeURIComponent).join('/');
                    return params;
                }
                if (part === undefined) {
                    if (s.optional) continue;
                    return undefined;
                }
                const value = decodeURIComponent(part);
                if (s.literal !== undefined) {
                    if (value.toLowerCase() !== s.literal) return undefined;
                } else {
                    if (s.constraint && !s.constraint.test(value)) return undefined;
                    params[s.name as string] = value;
                }
            }
            return parts.length <= segments.length ? params : undefined;
        },
    };
}
