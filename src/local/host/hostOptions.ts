import path from 'node:path';

import { Env } from './config/settings';
import { HostLogger } from './core/log';
import { Clock } from './durable/clock';
import type { ClientPrincipal } from '../../functions/shared/clientPrincipal';

export interface HostOptions {
    appRoot: string;
    /** Storage connection string (Azurite); `UseDevelopmentStorage=true` is understood. */
    connectionString: string;
    /** 7071 by default; 0 picks a free port. */
    port?: number;
    listenHost?: string;
    /** Where keys are kept; default `<appRoot>/.retrainer/devhost`. */
    stateDir?: string;
    /** Names this host's receipts, timer status and blob queue; default from the app folder. */
    hostId?: string;
    env?: Env;
    logger?: HostLogger;
    clock?: Clock;
    /** Durable work polling (ms); default 250. */
    pollMs?: number;
    /** Activity lease (ms): after a crash, a started activity runs again once it lapses; default 30000. */
    leaseMs?: number;
    /** Blob container scan interval (ms); default 10000 as the host's classic scanner, 1000 for Event Grid-sourced triggers. */
    blobScanMs?: number;
    /** Blob trigger queue poll (ms); default 1000. */
    blobQueuePollMs?: number;
    /**
     * Who App Service Authentication would have signed in (x-ms-client-principal on every HTTP
     * request); default from RETRAINER_DEV_PRINCIPAL, else a developer who may view and approve;
     * `null` signs nobody in.
     */
    principal?: ClientPrincipal | null;
    /** Delay before a failed blob trigger message is retried (ms); default 0 (the queue default). */
    blobRetryDelayMs?: number;
    /** Semantics profile, `default` or `azure` (src/local/host/semantics); default from RETRAINER_HOST_SEMANTICS. */
    semantics?: string;
    /**
     * The durableClient binding JSON of another durable engine (the real Durable extension in the
     * conformance host), or a function read at each invocation (the engine may restart elsewhere).
     * When set, the app's durable clients get it, and this host's own engine is not started: the
     * other engine runs the orchestrations.
     */
    externalDurableClient?: string | (() => string);
}

export function defaultHostId(appRoot: string): string {
    const base = path
        .basename(path.resolve(appRoot))
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .replace(/^-+|-+$/g, '');
    return (base || 'devhost').slice(0, 32);
}
