import path from 'node:path';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { HostLogger, memoryLogger } from '../../src/local/host/core/log';
import { DevHost, HostOptions } from '../../src/local/host/host';
import { StudioServer } from '../../src/local/studio/server';
import { appFiles } from '../helpers/appFiles';
import { testStorage, uniqueName } from '../helpers/azurite';
import { seed, Where } from '../helpers/demoTargets';

/** The repo root: host.json and package.json (main = dist/src/{index.js,functions/*.js}). */
const APP_ROOT = path.resolve(__dirname, '..', '..', '..');

export interface AppUnderTest {
    host: DevHost;
    studio: StudioServer;
    data: ContainerClient;
    runsContainer: ContainerClient;
    logs: string[];
    stop(): Promise<void>;
}

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
    const studio = await StudioServer.start({
        storageConnectionString: storage.connectionString,
        seed: options.seed ?? seed,
        log: () => undefined,
        ...(options.studioStateDir ? { stateDir: options.studioStateDir } : {}),
    });
    const { dir, where, runsContainer: runsName, env } = appFiles(storage.connectionString, studio.url, targets, 'App');
    Object.assign(process.env, env, settings);
    const data = blobs.getContainerClient(where.dataContainer);
    await data.create();
    const logger: HostLogger & { lines: string[] } = memoryLogger();
    const host = await DevHost.start({
        appRoot: APP_ROOT,
        connectionString: storage.connectionString,
        port: 0,
        stateDir: path.join(dir, 'devhost'),
        hostId: uniqueName('app'),
        logger,
        pollMs: 50,
        leaseMs: 5000,
        blobScanMs: 200,
        blobQueuePollMs: 100,
        ...options.host,
    });
    return {
        host,
        studio,
        data,
        runsContainer: blobs.getContainerClient(runsName),
        logs: logger.lines,
        stop: async () => {
            await host.stop();
            await studio.close();
        },
    };
}
