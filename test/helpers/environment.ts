import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';

import { AzuriteInstance, startAzurite, StartAzuriteOptions } from '../../src/local/common/azurite';
import { HostLogger, memoryLogger } from '../../src/local/host/core/log';
import { defaultHostId, DevHost, HostOptions } from '../../src/local/host/host';
import type { HostKeys } from '../../src/local/host/http/keys';
import { StudioServer } from '../../src/local/studio/server';
import type { OutboxState } from '../../src/retraining/outbox';
import { testStorage, uniqueName } from './azurite';
import { freePortRun } from './ports';

/*
 * The one place tests start the offline environment (issue 16): Azurite, the studio emulator and
 * the dev host, in process or as a child process. Suites pick what they need through options; the
 * kits (test/local/studio/kit.ts, test/clients/studioFixture.ts, test/functions/appHost.ts, ...)
 * add only their seeds and helpers. `npm start` as a whole is test/helpers/stackProcess.ts.
 */

export { testStorage, type TestStorage, uniqueName } from './azurite';

/** The repo root (host.json, package.json naming the built functions), from dist/test/helpers. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const HOST_MAIN = path.join(REPO_ROOT, 'dist', 'src', 'local', 'host', 'main.js');

/**
 * A private Azurite (its own ports, optionally persisted in `options.location`), for a suite that
 * stops and restarts storage; every other suite shares the run's one through `testStorage()`.
 * Without ports given, they are chosen below the ephemeral range (./ports.ts), so that no outbound
 * connection takes one while storage is down and the restart can bind it again.
 */
export async function privateAzurite(options: StartAzuriteOptions = {}): Promise<AzuriteInstance> {
    if (options.blobPort !== undefined) return startAzurite(options);
    const first = await freePortRun(3);
    return startAzurite({ ...options, blobPort: first, queuePort: first + 1, tablePort: first + 2 });
}

export interface StudioOptions {
    /** The emulator's seed (parsed by parseSeed). */
    seed: unknown;
    /** 0 (the default) picks a free port; a restart passes the port it had. */
    port?: number;
    /** Folder for persisted state (every BES job); omitted = in memory. */
    stateDir?: string;
    /** The studio's clock (ms since the epoch); a test moves it instead of sleeping. */
    clock?: () => number;
    /** Collects every line the emulator logs; omitted = the lines are dropped. */
    logs?: string[];
    /** Storage other than the run's Azurite (a private one). */
    connectionString?: string;
}

/** The studio emulator over real HTTP on the run's Azurite (or `options.connectionString`). */
export async function startStudio(options: StudioOptions): Promise<StudioServer> {
    const logs = options.logs;
    return StudioServer.start({
        port: options.port ?? 0,
        storageConnectionString: options.connectionString ?? (await testStorage()).connectionString,
        seed: options.seed,
        ...(options.stateDir ? { stateDir: options.stateDir } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        log: logs ? (line) => void logs.push(line) : () => undefined,
    });
}

/** The dev host's test timings: short polls so a suite waits on conditions, not on intervals. */
const TEST_TIMINGS = { pollMs: 50, blobScanMs: 200, blobQueuePollMs: 100 } as const;

export interface InProcessHost {
    host: DevHost;
    /** Every line the host logged. */
    logs: string[];
    hostId: string;
}

/**
 * The dev host in this process on `appRoot` (one app per process: the Functions library is a
 * singleton), on the run's Azurite, with a unique host id and test timings; `options` overrides any
 * host option (lease, semantics profile, ...). The caller sets the app settings in process.env.
 */
export async function startHost(
    appRoot: string,
    stateDir: string,
    options: Partial<HostOptions> = {},
): Promise<InProcessHost> {
    const storage = await testStorage();
    const logger: HostLogger & { lines: string[] } = memoryLogger();
    const hostId = options.hostId ?? uniqueName('host');
    const host = await DevHost.start({
        appRoot,
        connectionString: storage.connectionString,
        port: 0,
        stateDir,
        hostId,
        logger,
        leaseMs: 5000,
        ...TEST_TIMINGS,
        ...options,
    });
    return { host, logs: logger.lines, hostId };
}

export interface ChildHost {
    proc: ChildProcess;
    origin: string;
    /** Everything the process printed, one entry per line. */
    output: string[];
    keys: HostKeys;
    /** Names its receipts and blob trigger queue: the default, from the app folder. */
    hostId: string;
    kill9(): Promise<void>;
    stop(): Promise<void>;
}

export interface ChildHostOptions {
    /** Default: the repo (the built Retrainer app). */
    appRoot?: string;
    /** App settings on top of this process's environment. */
    env: Record<string, string>;
    stateDir: string;
    /** Collects the output (several hosts of one scenario may share it). */
    output?: string[];
    /** Activity lease (ms): a killed host's activity runs again once it lapses. Default 1500. */
    leaseMs?: number;
}

/**
 * The dev host as its own process (`node main.js`, as `npm run host` runs it), so a test can
 * SIGKILL it like a crashed machine. Resolves on its "Host started" line.
 */
export async function spawnHost(options: ChildHostOptions): Promise<ChildHost> {
    const output = options.output ?? [];
    const appRoot = options.appRoot ?? REPO_ROOT;
    const args = [HOST_MAIN, appRoot, '--port', '0'];
    args.push('--poll-ms', String(TEST_TIMINGS.pollMs), '--lease-ms', String(options.leaseMs ?? 1500));
    args.push('--blob-scan-ms', String(TEST_TIMINGS.blobScanMs), '--state-dir', options.stateDir);
    const proc = spawn(process.execPath, args, {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const origin = await hostStarted(proc, output);
    const keys = JSON.parse(readFileSync(path.join(options.stateDir, 'keys.json'), 'utf8')) as HostKeys;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const signal = async (s: NodeJS.Signals): Promise<void> => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(s);
        await exited;
    };
    return {
        proc,
        origin,
        output,
        keys,
        hostId: defaultHostId(appRoot),
        kill9: () => signal('SIGKILL'),
        stop: () => signal('SIGTERM'),
    };
}

/**
 * Collects a dev host process's output lines into `output` and resolves with its origin once it
 * prints "Host started on ..."; rejects, with the last lines, if it exits first.
 */
export function hostStarted(proc: ChildProcess, output: string[]): Promise<string> {
    return new Promise<string>((resolve, reject) => {
        let buffer = '';
        const onData = (chunk: Buffer): void => {
            buffer += chunk.toString('utf8');
            const lines = buffer.split('\n');
            buffer = lines.pop() ?? '';
            for (const line of lines) {
                output.push(line);
                const m = /Host started on (http:\/\/[^\s]+)/.exec(line);
                if (m) resolve(m[1]);
            }
        };
        proc.stdout?.on('data', onData);
        proc.stderr?.on('data', onData);
        proc.once('exit', (code) =>
            reject(new Error(`host exited early (${String(code)}):\n${output.slice(-30).join('\n')}`)),
        );
    });
}

/**
 * Polls `probe` every `everyInMs` until it returns a value other than undefined. The bound only
 * turns a hang into a named failure (`what`, or what it returns: e.g. the host's last log lines);
 * it is never the thing a test checks.
 *
 * @throws Error `timed out waiting for <what>` after `timeoutInMs`.
 */
export async function eventually<T>(
    probe: () => Promise<T | undefined> | T | undefined,
    what: string | (() => string),
    timeoutInMs = 60_000,
    everyInMs = 50,
): Promise<T> {
    const until = Date.now() + timeoutInMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
        await new Promise((r) => setTimeout(r, everyInMs));
    }
}

/**
 * `eventually` with a predicate: polls `probe` until `check` holds for what it returned, and
 * returns that value, which may itself be undefined (e.g. "no run in flight").
 *
 * @throws Error `timed out waiting for <what>` after `timeoutInMs`.
 */
export async function eventuallyHolds<T>(
    probe: () => Promise<T> | T,
    check: (v: T) => boolean,
    what: string | (() => string),
    timeoutInMs = 60_000,
    everyInMs = 50,
): Promise<T> {
    const box = await eventually(
        async () => {
            const v = await probe();
            return check(v) ? { v } : undefined;
        },
        what,
        timeoutInMs,
        everyInMs,
    );
    return box.v;
}

/** What `settled` looks at for one Retrainer app on the dev host. */
export interface SettleScope {
    /** The storage the app and its host use. */
    connectionString: string;
    origin: string;
    keys: HostKeys;
    hostId: string;
    /** The container the blob trigger watches (the app's data container). */
    data: ContainerClient;
    /** The app's runs container (outbox/{target}.json). */
    runs: ContainerClient;
    /** The blob-triggered function's name. Default `onTrainingData`. */
    blobFunction?: string;
    /** False when the app runs with its blob trigger disabled: no receipts or trigger queue to wait for. */
    blobTrigger?: boolean;
}

/**
 * Why the app is not yet settled, or undefined once it is: every blob in the data container has a
 * complete blob-trigger receipt (its function succeeded), the trigger queue is empty, no
 * orchestration is Pending or Running, and every target's outbox has nothing pending. When all
 * hold, nothing more will happen without a new input (an upload, a timer tick, an HTTP call).
 */
export async function unsettled(scope: SettleScope): Promise<string | undefined> {
    if (scope.blobTrigger !== false) {
        const why = await triggerUnsettled(scope);
        if (why) return why;
    }
    return orchestrationsUnsettled(scope);
}

async function triggerUnsettled(scope: SettleScope): Promise<string | undefined> {
    for await (const blob of scope.data.listBlobsFlat()) {
        if (!(await triggerDone(scope, blob.name, blob.properties.etag)))
            return `the blob trigger has not completed ${blob.name}`;
    }
    const queue = new QueueClient(scope.connectionString, `azure-webjobs-blobtrigger-${scope.hostId}`);
    if (await queue.exists()) {
        const { approximateMessagesCount } = await queue.getProperties();
        if (approximateMessagesCount) return `${approximateMessagesCount} blob trigger message(s) queued`;
    }
    return undefined;
}

async function orchestrationsUnsettled(scope: SettleScope): Promise<string | undefined> {
    const res = await fetch(
        `${scope.origin}/runtime/webhooks/durabletask/instances?runtimeStatus=Pending,Running,ContinuedAsNew,Suspended&code=${scope.keys.durableSystem}`,
    );
    if (res.status !== 200) return `the durable API answered ${res.status}`;
    const live = (await res.json()) as { instanceId: string; runtimeStatus: string }[];
    if (live.length > 0) return `instance ${live[0].instanceId} is ${live[0].runtimeStatus}`;
    if (await scope.runs.exists()) {
        for await (const blob of scope.runs.listBlobsFlat({ prefix: 'outbox/' })) {
            const state = JSON.parse(
                (await scope.runs.getBlobClient(blob.name).downloadToBuffer()).toString('utf8'),
            ) as OutboxState;
            if (state.seq !== state.takenSeq)
                return `${blob.name} has ${state.seq - state.takenSeq} pending arrival(s)`;
        }
    }
    return undefined;
}

/**
 * True once the blob trigger's function has succeeded for this version of the blob (its receipt,
 * under azure-webjobs-hosts/blobreceipts as the Functions host keeps them, is marked complete).
 * `etag` defaults to the blob's current one.
 */
export async function triggerDone(scope: SettleScope, blobName: string, etag?: string): Promise<boolean> {
    const tag = (etag ?? (await scope.data.getBlobClient(blobName).getProperties()).etag ?? '').replace(/"/g, '');
    const fn = scope.blobFunction ?? 'onTrainingData';
    const receipt = `blobreceipts/${scope.hostId}/Host.Functions.${fn}/${tag}/${scope.data.containerName}/${blobName}`;
    const props = await BlobServiceClient.fromConnectionString(scope.connectionString)
        .getContainerClient('azure-webjobs-hosts')
        .getBlobClient(receipt)
        .getProperties()
        .catch(() => undefined);
    return props?.metadata?.incomplete === 'false';
}

/**
 * Waits until the app is settled (see `unsettled`): the condition that "nothing more happened"
 * asserts after, instead of a fixed sleep.
 *
 * @throws Error naming what was still moving, plus `detail()` (the host's log), after `timeoutInMs`.
 */
export async function settled(
    scope: SettleScope,
    detail: () => string = () => '',
    timeoutInMs = 120_000,
): Promise<void> {
    let why: string | undefined;
    await eventually(
        async () => {
            why = await unsettled(scope);
            return why === undefined ? true : undefined;
        },
        () => `the app to settle (${why}); ${detail()}`,
        timeoutInMs,
        100,
    );
}
