import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { DevHost, HostOptions } from '../../../src/local/host/host';
import { journalLines } from '../../fixtures/sample-app/journal';
import { startHost, testStorage, uniqueName } from '../../helpers/environment';

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
    const { host, logs } = await startHost(SAMPLE_APP_ROOT, settings.SAMPLE_STATE_DIR, { leaseMs: 2000, ...options });
    return {
        host,
        logs,
        settings,
        journal: () => journalLines(settings.SAMPLE_JOURNAL),
        url: (p) => `${host.origin}${p}`,
    };
}
