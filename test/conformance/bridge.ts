import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

import { Invoker } from '../../src/local/host/core/invoker';
import { createLogger, HostLogger } from '../../src/local/host/core/log';
import { FunctionRegistry } from '../../src/local/host/core/registry';
import { fromTypedData } from '../../src/local/host/core/typedData';
import { DevHost } from '../../src/local/host/host';

/**
 * The Node half of the conformance host: it loads the app exactly as the dev host does (same
 * loader, same invoker, so the same `@azure/functions` invocation model and hooks) and answers the
 * .NET WebJobs host's proxy functions over loopback HTTP. The .NET side owns the real Durable Task
 * extension; this side only runs the app's code, as the Node language worker does under the real
 * Functions host.
 *
 * Routes (all bodies JSON, all answers 200 with `{ok}` so a function failure is not a transport
 * failure):
 * - `POST /orchestrate/{name}` body = the orchestrationTrigger context text the extension built ->
 *   `{ok: true, state}` or `{ok: false, message, stack}` (durable-functions puts the state inside
 *   the message after `$OutOfProcData$:`);
 * - `POST /activity/{name}` body `{input: string|null, instanceId}` -> `{ok: true, result}` (the
 *   JS value; undefined becomes null) or `{ok: false, message, stack}`;
 * - `POST /client` body = the durableClient binding JSON the extension produced: starts the app
 *   (see startBridge), whose `durableClient` inputs then all receive it, so the app's client calls
 *   the extension's own endpoints.
 */
export interface BridgeFunction {
    name: string;
    trigger: string;
}

/** How the bridge starts the dev host's non-durable parts once the real engine is up. */
export interface BridgeOptions {
    appRoot: string;
    connectionString: string;
    /** Keys and other dev host state; a fresh temp folder per run keeps runs apart. */
    stateDir: string;
    hostId: string;
    blobScanMs?: number;
    blobQueuePollMs?: number;
    log?: HostLogger;
    /** Called once the app is loaded and its triggers run, with the dev host's HTTP origin. */
    onAppStarted?: (origin: string) => void;
}

export interface Bridge {
    url: string;
    /** The dev host running the app's HTTP, blob and timer triggers, once /client arrived. */
    app(): DevHost | undefined;
    close(): Promise<void>;
}

interface FailureBody {
    ok: false;
    message: string;
    stack: string;
}

class NotReadyError extends Error {
    override name = 'NotReadyError';
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
 * Serves the bridge on 127.0.0.1 (an OS-chosen port). The app is loaded when the .NET host posts
 * its durableClient binding to `/client`: then the dev host starts with its own durable engine off
 * and that binding for every durableClient input, so the app's triggers run here and its
 * orchestrations run on the real engine. Until then `/orchestrate` and `/activity` answer 503,
 * which the .NET side retries (the engine may resume work before the app is up).
 */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
    const log = opts.log ?? createLogger();
    let host: DevHost | undefined;
    let invoker: Invoker | undefined;
    let starting: Promise<void> | undefined;
    let sentClient: string | undefined;
    let protocolLogged = false;

    const clientJson = (): string => {
        if (sentClient === undefined) throw new NotReadyError('No durable client binding yet.');
        return sentClient;
    };
    const startApp = async (): Promise<void> => {
        host = await DevHost.start({
            appRoot: opts.appRoot,
            connectionString: opts.connectionString,
            port: 0,
            stateDir: opts.stateDir,
            hostId: opts.hostId,
            logger: log,
            blobScanMs: opts.blobScanMs,
            blobQueuePollMs: opts.blobQueuePollMs,
            externalDurableClient: clientJson,
        });
        const inv = new Invoker(host.registry, log);
        inv.extraInputProviders.push((_fn, _name, type) =>
            type === 'durableClient' || type === 'orchestrationClient' ? { string: clientJson() } : undefined,
        );
        invoker = inv;
        opts.onAppStarted?.(host.origin);
    };

    const ready = (): { registry: FunctionRegistry; invoker: Invoker } => {
        if (!host || !invoker) throw new NotReadyError('The app is not loaded yet.');
        return { registry: host.registry, invoker };
    };

    const orchestrate = async (name: string, contextText: string): Promise<unknown> => {
        const { registry, invoker: inv } = ready();
        if (!protocolLogged) {
            // The payload's protocol fields (schema versions, timer limits), once, for the record:
            // they are what the dev host's orchestratorCall.ts has to imitate.
            protocolLogged = true;
            const { history: _h, input: _i, ...fields } = JSON.parse(contextText) as Record<string, unknown>;
            log.host(`CONFORMANCE_CONTEXT_FIELDS ${JSON.stringify(fields)}`);
        }
        const fn = registry.get(name);
        if (!fn || fn.trigger.type !== 'orchestrationTrigger') throw new Error(`'${name}' is not an orchestrator.`);
        const { response } = await inv.invoke(name, {
            inputData: [{ name: fn.triggerName, data: { string: contextText } }],
            quiet: true,
        });
        return { ok: true, state: fromTypedData(response.returnValue) ?? null };
    };
    const activity = async (name: string, body: string): Promise<unknown> => {
        const { registry, invoker: inv } = ready();
        const fn = registry.get(name);
        if (!fn || fn.trigger.type !== 'activityTrigger') throw new Error(`'${name}' is not an activity.`);
        const { input, instanceId } = JSON.parse(body) as { input: string | null; instanceId: string };
        const { response } = await inv.invoke(name, {
            inputData: [{ name: fn.triggerName, data: input === null ? undefined : { string: input } }],
            triggerMetadata: { instanceId: { string: instanceId } },
            reason: `Activity of orchestration ${instanceId}`,
        });
        const value = fromTypedData(response.returnValue);
        return { ok: true, result: value === undefined ? null : value };
    };
    const client = async (body: string): Promise<unknown> => {
        JSON.parse(body); // a malformed binding is refused here, not deep inside the app
        // A restarted engine sends it again (its RPC port may differ): later invocations get the new one.
        sentClient = body;
        starting ??= startApp();
        await starting;
        return { ok: true };
    };

    const server: Server = createServer((req, res) => {
        void (async () => {
            const url = new URL(req.url ?? '/', 'http://bridge');
            const [, verb, name] = url.pathname.split('/').map(decodeURIComponent);
            try {
                const body = await readBody(req);
                if (req.method === 'POST' && verb === 'client') return send(res, 200, await client(body));
                if (req.method === 'POST' && verb === 'orchestrate' && name)
                    return send(res, 200, await orchestrate(name, body));
                if (req.method === 'POST' && verb === 'activity' && name)
                    return send(res, 200, await activity(name, body));
                return send(res, 404, { ok: false, message: `No route ${req.method ?? ''} ${url.pathname}` });
            } catch (err: unknown) {
                return send(res, err instanceof NotReadyError ? 503 : 200, failure(err));
            }
        })();
    });
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${addr.port}`,
        app: () => host,
        close: async () => {
            await new Promise<void>((resolve) => server.close(() => resolve()));
            if (starting) await starting.catch(() => undefined);
            await host?.stop();
        },
    };
}
