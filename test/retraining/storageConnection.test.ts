import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ConfigError, loadConfig } from '../../src/retraining/config';
import { identityConnection } from '../../src/retraining/storageConnection';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { registerEmulatorDeploymentMetrics } from '../../src/local/studio/emulatorDeploymentMetrics';

// The sample and demo ARM targets name the offline stack's `emulator` credential kind.
registerEmulatorCredential();
// Its Azure ML v2 target reads live metrics through the offline stack's `emulator` kind.
registerEmulatorDeploymentMetrics();

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
const KEYS = {
    CHURN_TRAINING_API_KEY: 'k1',
    CHURN_ENDPOINT_API_KEY: 'k2',
    STUDIO_ARM_TOKEN_SECRET: 'k3',
    STUDIO_ADMIN_KEY: 'k5',
    HOUSES_TRAINING_API_KEY: 'k4',
    HOUSES_ARM_API_KEY: 'k5',
};

describe('identity-based data storage connection', () => {
    it('reads the host shapes: blobServiceUri, serviceUri, accountName', () => {
        assert.deepEqual(
            identityConnection('DATA', {
                DATA__blobServiceUri: 'https://a.blob.core.windows.net',
                DATA__credential: 'managedidentity',
                DATA__clientId: 'cid',
            }),
            { blobServiceUri: 'https://a.blob.core.windows.net', managedIdentity: true, clientId: 'cid' },
        );
        assert.equal(identityConnection('DATA', { DATA__serviceUri: 'https://b/' })?.blobServiceUri, 'https://b/');
        assert.equal(
            identityConnection('DATA', { DATA__accountName: 'acct' })?.blobServiceUri,
            'https://acct.blob.core.windows.net',
        );
        assert.equal(identityConnection('DATA', { DATA__accountName: 'acct' })?.managedIdentity, false);
        assert.equal(
            identityConnection('DATA', { DATA: 'UseDevelopmentStorage=true', OTHER__serviceUri: 'x' }),
            undefined,
        );
    });

    it('the config loads with the identity form instead of a connection string', () => {
        const loaded = loadConfig(SAMPLE, {
            ...KEYS,
            RETRAINER_DATA_STORAGE__blobServiceUri: 'https://acct.blob.core.windows.net',
            RETRAINER_DATA_STORAGE__credential: 'managedidentity',
        });
        assert.equal(loaded.config.storage.connectionStringSetting, 'RETRAINER_DATA_STORAGE');
    });

    it('with neither form, the error names both ways to set it', () => {
        assert.throws(
            () => loadConfig(SAMPLE, KEYS),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.issues.length === 1 &&
                e.issues[0] ===
                    "storage.connectionStringSetting: app setting 'RETRAINER_DATA_STORAGE' is not set (a connection string, or 'RETRAINER_DATA_STORAGE__blobServiceUri' for an identity-based connection)",
        );
    });
});
