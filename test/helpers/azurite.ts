import { after } from 'node:test';

import { AzuriteEndpoints, azuriteConnectionString, startAzurite } from '../../src/local/common/azurite';

/** Set by test/run.ts: the one Azurite started for this test run. */
export const TEST_AZURITE_ENV = 'RETRAINER_TEST_AZURITE';

export interface TestStorage extends AzuriteEndpoints {
    connectionString: string;
}

/**
 * The run's Azurite when started through `npm test`; a private one (stopped after the file)
 * when a single test file is run on its own.
 */
export async function testStorage(): Promise<TestStorage> {
    const shared = process.env[TEST_AZURITE_ENV];
    if (shared) {
        const e = JSON.parse(shared) as AzuriteEndpoints;
        return { ...e, connectionString: azuriteConnectionString(e) };
    }
    const own = await startAzurite();
    after(() => own.stop());
    return own;
}

let counter = 0;
/** Unique, storage-legal names; a counter, not randomness, so failures are reproducible. */
export function uniqueName(prefix: string): string {
    counter += 1;
    return `${prefix}-${process.pid}-${counter}`.toLowerCase();
}
