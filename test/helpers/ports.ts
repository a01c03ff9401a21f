import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The first of `count` consecutive free ports (Azurite takes blob, queue, table in a row), for a
 * port a test fixes before the process that listens on it starts. Chosen below the kernel's
 * ephemeral range: a port found free there can be taken, before `npm start` binds it, by any
 * outbound connection or `listen(0)` on the machine (CI saw Azurite's queue port taken so).
 */
export async function freePortRun(count: number): Promise<number> {
    const [low, high] = belowEphemeralRange();
    for (let attempt = 0; attempt < 50; attempt++) {
        const first = low + Math.floor(Math.random() * (high - low - count));
        const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(first + i)));
        if (free.every(Boolean)) return first;
    }
    throw new Error(`no run of ${count} free ports found in ${low}-${high}`);
}

/** One free port for a process started later: {@link freePortRun} of one. */
export function laterPort(): Promise<number> {
    return freePortRun(1);
}

/** Ports from 20000 up to the start of Linux's ephemeral range (32768 unless configured lower). */
function belowEphemeralRange(): [number, number] {
    let ephemeralLow = 32768;
    try {
        ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    } catch {
        // Not Linux: keep the IANA-ish default.
    }
    const high = Math.min(ephemeralLow, 32768);
    return [Math.min(20000, high - 2000), high];
}

function isFree(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const server = createServer();
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
}

/** A port free now, for a server the caller binds at once (the OS picks it from the ephemeral range). */
export async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as { port: number };
    await new Promise((ok) => server.close(ok));
    return port;
}
