import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { HostLogger } from '../core/log';
import { authorized, HostKeys } from './keys';
import { HostRequest, HostResponse, headerValue, json } from './types';

export type RequestHandler = (req: HostRequest) => Promise<HostResponse | undefined>;

export function presentedKey(req: HostRequest): string | undefined {
    return req.url.searchParams.get('code') ?? headerValue(req.headers, 'x-functions-key');
}

/** 401 unless the request carries a key good enough for `level`. */
export function requireKey(level: string, req: HostRequest, keys: HostKeys): HostResponse | undefined {
    return authorized(level, presentedKey(req), keys)
        ? undefined
        : json(401, { Message: 'Unauthorized: a valid function key is required.' });
}

/** The real host's default request body limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), 100 MB. */
export const DEFAULT_MAX_BODY_BYTES = 104_857_600;

class BodyTooLarge extends Error {}

/** The body, or BodyTooLarge as soon as it passes the limit: a huge upload is not buffered whole. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
            reject(new BodyTooLarge());
            return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) {
                chunks.length = 0;
                reject(new BodyTooLarge());
            } else chunks.push(c);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
    });
}

function bodyLimit(env: NodeJS.ProcessEnv): number {
    const n = Number(env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT);
    return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_BODY_BYTES;
}

function requestUrl(req: IncomingMessage, origin: string): URL | undefined {
    try {
        return new URL(req.url ?? '/', `http://${req.headers.host ?? origin.replace(/^http:\/\//, '')}`);
    } catch {
        return undefined;
    }
}

/** One HTTP server; handlers are tried in order, the first answer wins, otherwise 404. */
export class HostServer {
    readonly #server: Server;
    #origin = '';

    constructor(
        private readonly handlers: RequestHandler[],
        private readonly log: HostLogger,
        private readonly maxBodyBytes = bodyLimit(process.env),
    ) {
        this.#server = createServer((req, res) => void this.#serve(req, res));
    }

    get origin(): string {
        return this.#origin;
    }

    async listen(port: number, host = '127.0.0.1'): Promise<string> {
        await new Promise<void>((resolve, reject) => {
            this.#server.once('error', reject);
            this.#server.listen(port, host, () => resolve());
        });
        const addr = this.#server.address() as AddressInfo;
        this.#origin = `http://${host === '0.0.0.0' ? 'localhost' : host}:${addr.port}`;
        return this.#origin;
    }

    async close(): Promise<void> {
        this.#server.closeAllConnections();
        await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }

    async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
        let out: HostResponse;
        const url = requestUrl(req, this.#origin);
        if (!url) {
            // As Kestrel does: a Host header or target that makes no URL is the client's error.
            res.writeHead(400, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ Message: 'Bad Request: invalid Host header or request target.' }));
            req.resume();
            return;
        }
        try {
            const hostReq: HostRequest = {
                method: (req.method ?? 'GET').toUpperCase(),
                url,
                headers: req.headers,
                body: await readBody(req, this.maxBodyBytes),
            };
            out = json(404, { Message: 'Not found' });
            for (const handler of this.handlers) {
                const answer = await handler(hostReq);
                if (answer) {
                    out = answer;
                    break;
                }
            }
        } catch (err: unknown) {
            if (err instanceof BodyTooLarge) {
                res.writeHead(413, { 'Content-Type': 'application/json', Connection: 'close' });
                res.end(JSON.stringify({ Message: `Request body larger than ${this.maxBodyBytes} bytes.` }));
                req.resume();
                return;
            }
            this.log.host(
                `HTTP ${req.method ?? ''} ${(req.url ?? '').replace(/([?&]code=)[^&]*/g, '$1***')}: ${err instanceof Error ? err.message : String(err)}`,
                'error',
            );
            out = json(500, { Message: 'The function host failed to process the request.' });
        }
        res.writeHead(out.status, out.headers ?? {});
        res.end(out.body ?? '');
    }
}
