import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { DevHost, HostOptions } from '../../src/local/host/host';
import { StudioServer } from '../../src/local/studio/server';
import type { CustomStatus, RunRecord, Step } from '../../src/orchestrators/contracts';
import { appFiles } from '../helpers/appFiles';
import { seedForTargets, Where } from '../helpers/demoTargets';
import {
    eventuallyHolds,
    REPO_ROOT,
    SettleScope,
    settled,
    startHost,
    startStudio,
    testStorage,
} from '../helpers/environment';

export interface AppUnderTest {
    host: DevHost;
    studio: StudioServer;
    data: ContainerClient;
    runsContainer: ContainerClient;
    logs: string[];
    /** What `settled` looks at; also for `triggerDone` (test/helpers/environment.ts). */
    scope: SettleScope;
    /**
     * Resolves once nothing more will happen without a new input: every upload's trigger done, no
     * orchestration running, no arrival pending (test/helpers/environment.ts `settled`).
     */
    settled(): Promise<void>;
    /** `fetch` of `/api/{path}` on the host with the function key (plus `init.headers`). */
    call(path: string, init?: RequestInit): Promise<Response>;
    /**
     * POSTs `body` to `/api/{path}` as JSON (a string is sent as it is, e.g. broken JSON) and
     * returns the status and the parsed answer.
     */
    post(path: string, body: unknown, headers?: Record<string, string>): Promise<JsonAnswer>;
    /** GETs `/api/{path}` with the function key and parses the JSON; asserts a 200 (naming the answer). */
    get<T>(path: string): Promise<T>;
    /** The run records of `target`, newest first (GET /api/runs?target=); asserts a 200. */
    runs(target: string): Promise<RunRecord[]>;
    /** GET /api/targets/{target}'s `inFlight`: null when no run is in flight. */
    inFlight(target: string): Promise<{ step: CustomStatus | null } | null>;
    /** The in-flight run's step, or undefined when no run is in flight (or it has no step yet). */
    step(target: string): Promise<CustomStatus | undefined>;
    /**
     * Waits until the in-flight run of `target` is at `step` (and `also` holds for its status), and
     * returns that status. `timeoutInMs` as `until`'s.
     */
    atStep(
        target: string,
        step: Step,
        also?: (s: CustomStatus) => boolean,
        timeoutInMs?: number,
    ): Promise<CustomStatus>;
    /** Resolves once no run of `target` is in flight (a run still takes a last look after its record). */
    idle(target: string): Promise<void>;
    /**
     * Polls `probe` every `everyInMs` (default 50) until `check` holds and returns its value
     * (`eventuallyHolds`, which see). The bound (default 300 s, for a loaded machine) only turns a
     * hang into a failure naming `what`, the faults injected (under a semantics profile) and the
     * host's last log lines (without the polling requests' own).
     */
    until<T>(
        what: string | (() => string),
        probe: () => Promise<T>,
        check: (v: T) => boolean,
        timeoutInMs?: number,
        everyInMs?: number,
    ): Promise<T>;
    stop(): Promise<void>;
}

/** An HTTP status and the JSON object answered with it. */
export interface JsonAnswer {
    status: number;
    body: Record<string, unknown>;
}

/** Host log lines that only say the test polled (targets, runs) or the timer ticked: noise in a failure. */
const POLLING_NOISE = /Functions\.(targetsHttp|runsHttp|retrainTimer)'/;

/**
 * The deployed app as a user runs it offline: Azurite, the studio emulator with the demo seed, and
 * the dev host loading the built functions with a config made from `targets`. `options.host`
 * overrides host options (e.g. the semantics profile); `options.studioStateDir` makes the studio
 * save its state (every BES job) there; `options.seed` replaces the demo seed (e.g. with an Azure ML v2 workspace).
 */
export async function startApp(
    targets: (w: Where) => Record<string, unknown>[],
    settings: Record<string, string> = {},
    options: { host?: Partial<HostOptions>; studioStateDir?: string; seed?: unknown } = {},
): Promise<AppUnderTest> {
    const storage = await testStorage();
    const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
    const studio = await startStudio({ seed: seedForTargets(targets, options.seed), stateDir: options.studioStateDir });
    const { dir, where, runsContainer: runsName, env } = appFiles(storage.connectionString, studio.url, targets, 'App');
    Object.assign(process.env, env, settings);
    const data = blobs.getContainerClient(where.dataContainer);
    await data.create();
    const { host, logs, hostId } = await startHost(REPO_ROOT, path.join(dir, 'devhost'), options.host);
    const runsContainer = blobs.getContainerClient(runsName);
    const scope: SettleScope = {
        connectionString: storage.connectionString,
        origin: host.origin,
        keys: host.keys,
        hostId,
        data,
        runs: runsContainer,
    };
    const call = (p: string, init: RequestInit = {}): Promise<Response> =>
        fetch(`${host.origin}/api/${p}`, {
            ...init,
            headers: { 'x-functions-key': host.keys.functionDefault, ...(init.headers ?? {}) },
        });
    const get = async <T>(p: string): Promise<T> => {
        const res = await call(p);
        const text = await res.text();
        assert.equal(res.status, 200, `GET /api/${p}: ${text}`);
        return JSON.parse(text) as T;
    };
    const inFlight = async (t: string) =>
        (await get<{ inFlight: { step: CustomStatus | null } | null }>(`targets/${encodeURIComponent(t)}`)).inFlight;
    const step = async (t: string) => (await inFlight(t))?.step ?? undefined;
    const until = <T>(
        what: string | (() => string),
        probe: () => Promise<T>,
        check: (v: T) => boolean,
        timeoutInMs = 300_000,
        everyInMs = 50,
    ) =>
        eventuallyHolds(
            probe,
            check,
            () => {
                const faults =
                    host.semantics.name === 'default'
                        ? ''
                        : `; faults ${JSON.stringify(host.semantics.faults.counts())}`;
                const tail = logs.filter((l) => !POLLING_NOISE.test(l)).slice(-40);
                return `${typeof what === 'string' ? what : what()}${faults}; host log:\n${tail.join('\n')}`;
            },
            timeoutInMs,
            everyInMs,
        );
    return {
        host,
        studio,
        data,
        runsContainer,
        logs,
        scope,
        settled: () => settled(scope, () => `host log:\n${logs.slice(-40).join('\n')}`),
        call,
        post: async (p, body, headers = {}) => {
            const res = await call(p, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...headers },
                body: typeof body === 'string' ? body : JSON.stringify(body),
            });
            return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        },
        get,
        runs: (t) => get<RunRecord[]>(`runs?target=${encodeURIComponent(t)}`),
        inFlight,
        step,
        atStep: async (t, want, also = () => true, timeoutInMs?: number) =>
            (await until(
                `the run of ${t} at ${want}`,
                () => step(t),
                (s) => s?.step === want && also(s),
                timeoutInMs,
            ))!,
        idle: async (t) => {
            await until(
                `no run of ${t} in flight`,
                () => inFlight(t),
                (f) => !f,
            );
        },
        until,
        stop: async () => {
            await host.stop();
            await studio.close();
        },
    };
}

/**
 * `startApp` for the enclosing `describe`: starts the app in its `before` hook and stops it in its
 * `after` hook. Call it in the describe's body; the returned object is the app once `before` ran.
 */
export function suiteApp(...args: Parameters<typeof startApp>): AppUnderTest {
    const app = {} as AppUnderTest;
    before(async () => {
        Object.assign(app, await startApp(...args));
    });
    // The app's own methods: absent when startApp failed, so there is nothing to stop.
    after(() => (app.stop as AppUnderTest['stop'] | undefined)?.());
    return app;
}
