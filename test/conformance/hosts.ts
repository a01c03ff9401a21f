import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { HostKeys } from '../../src/local/host/http/keys';
import { ChildHost, spawnHost } from '../helpers/environment';
import { startRealEngine } from './realEngine';

export type HostKind = 'dev-host' | 'real-engine';

/** One app running on one of the two hosts, as a scenario sees it. */
export interface AppHost {
    kind: HostKind;
    /** The app's HTTP routes (`{origin}/api/...`), served by the dev host's HTTP server on both. */
    origin: string;
    keys: HostKeys;
    logs: string[];
    stop(): Promise<void>;
    /** Kills the process that runs orchestrations (SIGKILL) and starts a new one on the same state. */
    crashAndRestartEngine(): Promise<void>;
    /**
     * Real engine only: the instances the extension itself lists (its own status API), as proof
     * that the orchestrations ran there and not in the dev host's engine.
     */
    engineInstances?(): Promise<{ name: string; runtimeStatus: string }[]>;
}

function readKeys(stateDir: string): HostKeys {
    return JSON.parse(readFileSync(path.join(stateDir, 'keys.json'), 'utf8')) as HostKeys;
}

/** The dev host (`node main.js`) on `appRoot`, as `npm run host` runs it. */
async function startDevHost(appRoot: string, env: Record<string, string>): Promise<AppHost> {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'conformance-dev-'));
    const logs: string[] = [];
    let current: ChildHost = await spawnHost({ appRoot, env, stateDir, output: logs });
    const host: AppHost = {
        kind: 'dev-host',
        origin: current.origin,
        keys: current.keys,
        logs,
        stop: () => current.stop(),
        crashAndRestartEngine: async () => {
            await current.kill9();
            current = await spawnHost({ appRoot, env, stateDir, output: logs });
            host.origin = current.origin;
        },
    };
    return host;
}

/** The app with its orchestrations on the real Durable extension (see realEngine.ts). */
async function startRealEngineHost(appRoot: string, env: Record<string, string>): Promise<AppHost> {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'conformance-real-'));
    const app = await startRealEngine({
        appRoot,
        env,
        stateDir,
        hostId: `conf${Date.now().toString(36)}`,
    });
    return {
        kind: 'real-engine',
        origin: app.origin,
        keys: readKeys(stateDir),
        logs: app.logs,
        stop: () => app.stop(),
        crashAndRestartEngine: async () => {
            await app.killEngine();
            await app.restartEngine();
        },
        engineInstances: async () => {
            const res = await fetch(`${app.rpcBaseUrl}instances/`);
            if (res.status !== 200) throw new Error(`the extension's instance list answered ${res.status}`);
            const list = (await res.json()) as { name: string; runtimeStatus: string }[];
            return list.map((i) => ({ name: i.name, runtimeStatus: i.runtimeStatus }));
        },
    };
}

/** Starts `appRoot` on the given host with `env` as its app settings (AzureWebJobsStorage included). */
export function startHost(kind: HostKind, appRoot: string, env: Record<string, string>): Promise<AppHost> {
    return kind === 'dev-host' ? startDevHost(appRoot, env) : startRealEngineHost(appRoot, env);
}
