import http from 'node:http';
import { AddressInfo } from 'node:net';

import { AzuriteEndpoints, azuriteConnectionString } from '../../../src/local/common/azurite';

export type Counts = Record<string, number>;

/**
 * Azurite behind three pass-through HTTP proxies (blob, queue, table) that count every request by
 * service and kind, so a connection string through them shows each storage transaction made.
 */
export interface CountingStorage {
    connectionString: string;
    snapshot(): Counts;
    close(): Promise<void>;
}

function kindOf(service: string, req: http.IncomingMessage): string {
    const url = new URL(req.url ?? '/', 'http://x');
    const comp = url.searchParams.get('comp');
    const method = req.method ?? '?';
    if (service === 'table') {
        if (url.pathname.endsWith('$batch')) return 'table batch';
        return `table ${method === 'GET' ? 'query' : method}`;
    }
    if (service === 'queue') return `queue ${method}${url.pathname.endsWith('/messages') ? ' messages' : ''}`;
    return `blob ${method}${comp ? ` ${comp}` : ''}`;
}

function proxy(service: string, target: number, counts: Counts): Promise<http.Server> {
    const agent = new http.Agent({ keepAlive: true });
    const server = http.createServer((req, res) => {
        const kind = kindOf(service, req);
        counts[kind] = (counts[kind] ?? 0) + 1;
        const upstream = http.request(
            { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers: req.headers, agent },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
    });
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function countingStorage(azurite: AzuriteEndpoints): Promise<CountingStorage> {
    const counts: Counts = {};
    const blob = await proxy('blob', azurite.blobPort, counts);
    const queue = await proxy('queue', azurite.queuePort, counts);
    const table = await proxy('table', azurite.tablePort, counts);
    const port = (s: http.Server): number => (s.address() as AddressInfo).port;
    return {
        connectionString: azuriteConnectionString({
            host: '127.0.0.1',
            blobPort: port(blob),
            queuePort: port(queue),
            tablePort: port(table),
        }),
        snapshot: () => ({ ...counts }),
        close: async () => {
            for (const s of [blob, queue, table]) {
                s.closeAllConnections();
                await new Promise((r) => s.close(r));
            }
        },
    };
}

/** after - before, per key, dropping zeros. */
export function diff(after: Counts, before: Counts): Counts {
    const out: Counts = {};
    for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
    return out;
}

export function total(c: Counts): number {
    return Object.values(c).reduce((a, b) => a + b, 0);
}
