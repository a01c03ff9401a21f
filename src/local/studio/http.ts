import type { IncomingHttpHeaders } from 'node:http';

import type { StudioContext } from './context';
import type { Operation } from './faults';

export interface StudioRequest {
    method: string;
    path: string;
    query: URLSearchParams;
    headers: IncomingHttpHeaders;
    body: unknown;
    requestId: string;
    params: Record<string, string>;
}

export interface StudioResponse {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
}

/** Who may call a route. */
export type AuthKind =
    | 'serviceKey' // BES/RRS: the service's or endpoint's API key
    | 'workspaceOrEndpointKey' // classic management: workspace token, or that endpoint's key
    | 'workspace' // classic management, whole web service: workspace token
    | 'arm' // ARM: bearer token from the offline credential
    | 'admin' // /_studio: the admin key
    | 'adminOrArm' // /_studio reads that stand in for an Azure API read with the ARM identity (metrics): either
    | 'none';

export type ApiVersion = '2.0' | '2017-01-01' | '2022-10-01' | 'none';

export interface Route {
    method: string;
    /** Segments; `:name` captures; literals match case-insensitively (ARM paths are). */
    pattern: string[];
    operation?: Operation;
    auth: AuthKind;
    apiVersion: ApiVersion;
    /** The fault/stat scopes of a call (most specific first). */
    scopes: (req: StudioRequest, ctx: StudioContext) => string[];
    handle: (ctx: StudioContext, req: StudioRequest) => Promise<StudioResponse>;
}

export function route(method: string, path: string, options: Omit<Route, 'method' | 'pattern'>): Route {
    return { method, pattern: path.split('/').filter(Boolean), ...options };
}

export function matchPath(pattern: string[], segments: string[]): Record<string, string> | undefined {
    if (pattern.length !== segments.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
        const p = pattern[i];
        const s = segments[i];
        if (p.startsWith(':')) params[p.slice(1)] = s;
        else if (p.toLowerCase() !== s.toLowerCase()) return undefined;
    }
    return params;
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): StudioResponse => ({
    status,
    body,
    headers,
});
