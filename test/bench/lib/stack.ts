import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { memoryLogger } from '../../../src/local/host/core/log';
import { DevHost, HostOptions } from '../../../src/local/host/host';
import type { JobRecord } from '../../../src/local/studio/state';
import { StudioServer } from '../../../src/local/studio/server';
import { testStorage, uniqueName } from '../../helpers/azurite';
import { appFiles } from '../../helpers/appFiles';
import { seedForTargets, Where } from '../../helpers/demoTargets';

/** The repo root (host.json, package.json whose main is the built app), from dist/test/bench/lib. */
const APP_ROOT = path.resolve(__dirname, '..', '..', '..', '..');

export interface StudioLogLine {
    at: number;
    line: string;
}

export interface BenchStack {
    host: DevHost;
    studio: StudioServer;
    data: ContainerClient;
    runs: ContainerClient;
    connectionString: string;
    studioLog: StudioLogLine[];
    /** A BES job as the emulator recorded it (start and end times). */
    job(jobId: string): JobRecord | undefined;
    stop(): Promise<void>;
}

export interface StackOptions {
    /** Storage the app and the studio use (a counting proxy in the cost benchmark); default Azurite. */
    appConnectionString?: string;
    studioConnectionString?: string;
    host?: Partial<HostOptions>;
}

/**
 * The local stack in this process, as `npm start` wires it: Azurite, the studio emulator with the
 * demo seed (state in a folder, so job times can be read back), and the dev host running the built
 * app with a config made from `targets`. Host options are the dev host's defaults unless given.
 */
export async function startStack(
    targets: (w: Where) => Record<string, unknown>[],
    options: StackOptions = {},
): Promise<BenchStack> {
    const storage = await testStorage();
    const appConn = options.appConnectionString ?? storage.connectionString;
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-bench-stack-'));
    const studioLog: StudioLogLine[] = [];
    const stateDir = path.join(dir, 'studio');
    const studio = await StudioServer.start({
        storageConnectionString: options.studioConnectionString ?? storage.connectionString,
        // Each target its own endpoint: the config refuses two targets updating one.
        seed: seedForTargets(targets),
        stateDir,
        log: (line) => studioLog.push({ at: Date.now(), line }),
    });
    const { where, runsContainer: runsName, env } = appFiles(appConn, studio.url, targets, 'Bench');
    Object.assign(process.env, env);
    const blobs = BlobServiceClient.fromConnectionString(storage.connectionString);
    const data = blobs.getContainerClient(where.dataContainer);
    await data.create();
    const host = await DevHost.start({
        appRoot: APP_ROOT,
        connectionString: appConn,
        port: 0,
        stateDir: path.join(dir, 'devhost'),
        hostId: uniqueName('bench'),
        logger: memoryLogger(),
        ...options.host,
    });
    return {
        host,
        studio,
        data,
        runs: blobs.getContainerClient(runsName),
        connectionString: storage.connectionString,
        studioLog,
        job: (jobId) => {
            const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as {
                jobs: Record<string, JobRecord>;
            };
            return Object.values(state.jobs).find((j) => j.id === jobId);
        },
        stop: async () => {
            await host.stop();
            await studio.close();
        },
    };
}
