import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply; `delayInMs` holds the response back (for timeout tests). */
export interface ScriptedReply {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
    delayInMs?: number;
}

export interface RecordedRequest {
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    body: string;
    /** `performance.now()` when the request had fully arrived. */
    atInMs: number;
}

/**
 * A real HTTP server on a free port that answers from a script, for pipeline tests that need
 * exact status sequences. Contract behaviour is tested against the studio emulator instead.
 */
export class ScriptedServer {
    readonly requests: RecordedRequest[] = [];
    #script: ScriptedReply[] = [];
    #waiters: { count: number; resolve: () => void }[] = [];
    #server: Server;
    url = '';

    private constructor() {
        this.#server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                this.requests.push({
                    method: req.method ?? '',
                    url: req.url ?? '',
                    headers: req.headers,
                    body: Buffer.concat(chunks).toString('utf8'),
                    atInMs: performance.now(),
                });
                this.#waiters = this.#waiters.filter((w) =>
                    this.requests.length >= w.count ? (w.resolve(), false) : true,
                );
                const reply = this.#script.shift() ?? { status: 500, body: { error: { code: 'ScriptExhausted' } } };
                const send = (): void => {
                    if (res.destroyed) return;
                    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
                    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
                    res.end(text);
                };
                if (reply.delayInMs) setTimeout(send, reply.delayInMs);
                else send();
            });
        });
    }

    static async start(): Promise<ScriptedServer> {
        const s = new ScriptedServer();
        await new Promise<void>((resolve) => s.#server.listen(0, '127.0.0.1', resolve));
        s.url = `http://127.0.0.1:${(s.#server.address() as AddressInfo).port}`;
        return s;
    }

    script(...replies: ScriptedReply[]): void {
        this.#script = replies;
        this.requests.length = 0;
    }

    /** Resolves once `count` requests have arrived since the last `script()`. */
    received(count: number): Promise<void> {
        if (this.requests.length >= count) return Promise.resolve();
        return new Promise((resolve) => this.#waiters.push({ count, resolve }));
    }

    close(): Promise<void> {
        this.#server.closeAllConnections();
        return new Promise((resolve) => this.#server.close(() => resolve()));
    }
}
