import { AzuriteEndpoints, azuriteConnectionString, startAzurite } from '../../src/local/common/azurite';

/** Set by test/run.ts: the one Azurite started for this test run. */
export const TEST_AZURITE_ENV = 'RETRAINER_TEST_AZURITE';

export interface TestStorage extends AzuriteEndpoints {
    connectionString: string;
}

let own: Promise<TestStorage> | undefined;

/**
 * The run's Azurite when started through `npm test`; otherwise (a test file run on its own) one
 * private Azurite for this process, killed when the process exits. Safe to call from any hook.
 */
export function testStorage(): Promise<TestStorage> {
    const shared = process.env[TEST_AZURITE_ENV];
    if (shared) {
        const e = JSON.parse(shared) as AzuriteEndpoints;
        return Promise.resolve({ ...e, connectionString: azuriteConnectionString(e) });
    }
    own ??= startAzurite().then((instance) => {
        instance.unref();
        process.once('exit', () => instance.kill());
        return instance;
    });
    return own;
}

let counter = 0;
/** Unique, storage-legal names; a counter, not randomness, so failures are reproducible. */
export function uniqueName(prefix: string): string {
    counter += 1;
    return `${prefix}-${process.pid}-${counter}`.toLowerCase();
}
