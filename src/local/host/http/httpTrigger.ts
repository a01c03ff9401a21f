import { Invoker } from '../core/invoker';
import { RegisteredFunction } from '../core/registry';
import { bodyBytes } from '../core/typedData';
import { RpcHttpData } from '../core/types';
import { compileRoute, CompiledRoute } from './routes';
import { HostRequest, HostResponse } from './types';

export interface HttpRoute {
    fn: RegisteredFunction;
    route: CompiledRoute;
    methods: string[] | undefined;
    authLevel: string;
}

export function httpRoutes(functions: RegisteredFunction[], routePrefix: string): HttpRoute[] {
    return functions
        .map((fn) => {
            const t = fn.trigger;
            const route = typeof t.route === 'string' && t.route !== '' ? t.route : fn.id;
            const methods = Array.isArray(t.methods)
                ? (t.methods as unknown[]).map((m) => String(m).toUpperCase())
                : undefined;
            return {
                fn,
                route: compileRoute(`${routePrefix}/${route}`),
                methods: methods && methods.length ? methods : undefined,
                authLevel: typeof t.authLevel === 'string' ? t.authLevel : 'function',
            };
        })
        .sort((a, b) => b.route.precedence - a.route.precedence);
}

/** First route matching path and method; `methodMismatch` when only the method was wrong. */
export function findRoute(
    routes: HttpRoute[],
    method: string,
    pathname: string,
): { route: HttpRoute; params: Record<string, string> } | 'methodMismatch' | undefined {
    let mismatch = false;
    for (const route of routes) {
        const params = route.route.match(pathname);
        if (!params) continue;
        if (route.methods && !route.methods.includes(method)) {
            mismatch = true;
            continue;
        }
        return { route, params };
    }
    return mismatch ? 'methodMismatch' : undefined;
}

function flatHeaders(req: HostRequest): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    return out;
}

/** Invokes an HTTP-triggered function with the worker's RpcHttp shape and maps its response back. */
export async function invokeHttp(
    invoker: Invoker,
    route: HttpRoute,
    params: Record<string, string>,
    req: HostRequest,
): Promise<HostResponse> {
    const http: RpcHttpData = {
        method: req.method,
        url: req.url.href,
        headers: flatHeaders(req),
        query: Object.fromEntries(req.url.searchParams),
        params,
        body: req.body.length ? { bytes: req.body } : undefined,
    };
    const { response } = await invoker.invoke(route.fn.id, {
        inputData: [{ name: route.fn.triggerName, data: { http } }],
        reason: `This function was programmatically called via the host APIs (${req.method} ${req.url.pathname}).`,
    });
    const outName = Object.entries(route.fn.metadata.bindings).find(
        ([, b]) => b.type === 'http' && b.direction === 'out',
    )?.[0];
    const data =
        outName === '$return' || outName === undefined
            ? response.returnValue
            : response.outputData?.find((o) => o.name === outName)?.data;
    const res = data?.http;
    if (!res) return { status: 204 };
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) headers[k] = String(v);
    return { status: Number(res.statusCode ?? 200), headers, body: bodyBytes(res.body) };
}
