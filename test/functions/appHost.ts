import path from 'node:path';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { DevHost, HostOptions } from '../../src/local/host/host';
import { StudioServer } from '../../src/local/studio/server';
import { appFiles } from '../helpers/appFiles';
import { seedForTargets, Where } from '../helpers/demoTargets';
import { REPO_ROOT, SettleScope, settled, startHost, startStudio, testStorage } from '../helpers/environment';

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
    return {
        host,
        studio,
        data,
        runsContainer,
        logs,
        scope,
        settled: () => settled(scope, () => `host log:\n${logs.slice(-40).join('\n')}`),
        stop: async () => {
            await host.stop();
            await studio.close();
        },
    };
}
