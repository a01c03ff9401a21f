import { IncomingHttpHeaders } from 'node:http';

export interface HostRequest {
    method: string;
    url: URL;
    headers: IncomingHttpHeaders;
    body: Buffer;
}

export interface HostResponse {
    status: number;
    headers?: Record<string, string>;
    body?: Buffer | string;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): HostResponse {
    return {
        status,
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(value),
    };
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
}
