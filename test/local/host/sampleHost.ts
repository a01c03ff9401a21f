import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { memoryLogger } from '../../../src/local/host/core/log';
import { DevHost, HostOptions } from '../../../src/local/host/host';
import { journalLines } from '../../fixtures/sample-app/journal';
import { testStorage, uniqueName } from '../../helpers/azurite';

/** The sample app's folder (host.json, package.json), from dist/test/local/host. */
export const SAMPLE_APP_ROOT = path.resolve(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'sample-app');

/** Table-name-safe unique hub name. */
export function uniqueHub(prefix: string): string {
    return `${prefix}${uniqueName('h').replace(/[^a-z0-9]/g, '')}`.slice(0, 40);
}

/** App settings for one sample host: unique hub, containers and journal; quiet timer unless asked. */
export function sampleSettings(
    connectionString: string,
    overrides: Record<string, string> = {},
): Record<string, string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'devhost-'));
    return {
        AzureWebJobsStorage: connectionString,
        SAMPLE_HUB: uniqueHub('Hub'),
        SAMPLE_UPLOADS: uniqueName('uploads'),
        SAMPLE_POISON: uniqueName('poison'),
        SAMPLE_TICK: '0 0 0 1 1 *',
        SAMPLE_JOURNAL: path.join(dir, 'journal.log'),
        SAMPLE_STATE_DIR: path.join(dir, 'state'),
        ...overrides,
    };
}

export interface SampleHost {
    host: DevHost;
    logs: string[];
    settings: Record<string, string>;
    journal(): string[];
    url(p: string): string;
}

/** Starts the dev host in this process on the sample app (one app per process: the library is a singleton). */
export async function startSampleHost(
    overrides: Record<string, string> = {},
    options: Partial<HostOptions> = {},
): Promise<SampleHost> {
    const storage = await testStorage();
    const settings = sampleSettings(storage.connectionString, overrides);
    Object.assign(process.env, settings);
    const logger = memoryLogger();
    const host = await DevHost.start({
        appRoot: SAMPLE_APP_ROOT,
        connectionString: storage.connectionString,
        port: 0,
        stateDir: settings.SAMPLE_STATE_DIR,
        hostId: uniqueName('host'),
        logger,
        pollMs: 50,
        leaseMs: 2000,
        blobScanMs: 200,
        blobQueuePollMs: 100,
        ...options,
    });
    return {
        host,
        logs: logger.lines,
        settings,
        journal: () => journalLines(settings.SAMPLE_JOURNAL),
        url: (p) => `${host.origin}${p}`,
    };
}

/** Polls until `check` returns a value (not a timed assertion: the deadline only bounds a hang). */
export async function eventually<T>(
    check: () => Promise<T | undefined> | T | undefined,
    what: string,
    deadlineMs = 30000,
): Promise<T> {
    const until = Date.now() + deadlineMs;
    for (;;) {
        const v = await check();
        if (v !== undefined) return v;
        if (Date.now() > until) throw new Error(`Gave up waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
