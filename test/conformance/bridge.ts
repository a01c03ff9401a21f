import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { Invoker } from '../../src/local/host/core/invoker';
import { loadApp, startApp } from '../../src/local/host/core/loader';
import { createLogger, HostLogger } from '../../src/local/host/core/log';
import { FunctionRegistry } from '../../src/local/host/core/registry';
import { fromTypedData } from '../../src/local/host/core/typedData';

/**
 * The Node half of the conformance host: it loads the app exactly as the dev host does (same
 * loader, same invoker, so the same `@azure/functions` invocation model and hooks) and answers the
 * .NET WebJobs host's proxy functions over loopback HTTP. The .NET side owns the real Durable Task
 * extension; this side only runs the app's code, as the Node language worker does under the real
 * Functions host.
 *
 * Routes (all bodies JSON, all answers 200 with `{ok}` so a function failure is not a transport
 * failure):
 * - `GET /functions` -> `[{name, trigger}]`, the app's registrations (the proxy generator reads it);
 * - `POST /orchestrate/{name}` body = the orchestrationTrigger context text the extension built ->
 *   `{ok: true, state}` or `{ok: false, message, stack}` (durable-functions puts the state inside
 *   the message after `$OutOfProcData$:`);
 * - `POST /activity/{name}` body `{input: string|null, instanceId}` -> `{ok: true, result}` (the
 *   JS value; undefined becomes null) or `{ok: false, message, stack}`;
 * - `POST /client` body = the durableClient binding JSON the extension produced, which every
 *   later `durableClient` input receives (so the app's client calls the extension's own endpoints).
 */
export interface BridgeFunction {
    name: string;
    trigger: string;
}

export interface Bridge {
    url: string;
    registry: FunctionRegistry;
    invoker: Invoker;
    close(): Promise<void>;
}

interface FailureBody {
    ok: false;
    message: string;
    stack: string;
}

function failure(err: unknown): FailureBody {
    if (err instanceof Error) return { ok: false, message: err.message, stack: err.stack ?? '' };
    return { ok: false, message: String(err), stack: '' };
}

async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
}

/** The app's registrations, as the proxy generator needs them. */
export function listFunctions(registry: FunctionRegistry): BridgeFunction[] {
    return [...registry.functions.values()].map((f) => ({ name: f.id, trigger: f.trigger.type }));
}

/**
 * Loads the app at `appRoot` and serves the bridge on 127.0.0.1 (an OS-chosen port unless `port`).
 * Throws AppLoadError when the app cannot load.
 */
export async function startBridge(appRoot: string, log: HostLogger = createLogger(), port = 0): Promise<Bridge> {
    const app = loadApp(appRoot);
    const registry = app.registry;
    await startApp(app, appRoot);
    const invoker = new Invoker(registry, log);
    let clientJson: string | undefined;
    invoker.extraInputProviders.push((_fn, _name, type) =>
        (type === 'durableClient' || type === 'orchestrationClient') && clientJson !== undefined
            ? { string: clientJson }
            : undefined,
    );

    const orchestrate = async (name: string, contextText: string): Promise<unknown> => {
        const fn = registry.get(name);
        if (!fn || fn.trigger.type !== 'orchestrationTrigger') throw new Error(`'${name}' is not an orchestrator.`);
        const { response } = await invoker.invoke(name, {
            inputData: [{ name: fn.triggerName, data: { string: contextText } }],
            quiet: true,
        });
        return { ok: true, state: fromTypedData(response.returnValue) ?? null };
    };
    const activity = async (name: string, body: string): Promise<unknown> => {
        const fn = registry.get(name);
        if (!fn || fn.trigger.type !== 'activityTrigger') throw new Error(`'${name}' is not an activity.`);
        const { input, instanceId } = JSON.parse(body) as { input: string | null; instanceId: string };
        const { response } = await invoker.invoke(name, {
            inputData: [{ name: fn.triggerName, data: input === null ? undefined : { string: input } }],
            triggerMetadata: { instanceId: { string: instanceId } },
            reason: `Activity of orchestration ${instanceId}`,
        });
        const value = fromTypedData(response.returnValue);
        return { ok: true, result: value === undefined ? null : value };
    };

    const server: Server = createServer((req, res) => {
        void (async () => {
            const url = new URL(req.url ?? '/', 'http://bridge');
            const [, verb, name] = url.pathname.split('/').map(decodeURIComponent);
            try {
                if (req.method === 'GET' && verb === 'functions') return send(res, 200, listFunctions(registry));
                const body = await readBody(req);
                if (req.method !== 'POST' || name === undefined) {
                    if (req.method === 'POST' && verb === 'client') {
                        JSON.parse(body); // refuse a malformed binding here rather than inside the app
                        clientJson = body;
                        return send(res, 200, { ok: true });
                    }
                    return send(res, 404, { ok: false, message: `No route ${req.method ?? ''} ${url.pathname}` });
                }
                if (verb === 'orchestrate') return send(res, 200, await orchestrate(name, body));
                if (verb === 'activity') return send(res, 200, await activity(name, body));
                return send(res, 404, { ok: false, message: `No route ${req.method} ${url.pathname}` });
            } catch (err: unknown) {
                return send(res, 200, failure(err));
            }
        })();
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${addr.port}`,
        registry,
        invoker,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}
