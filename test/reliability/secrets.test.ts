import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AZURITE_KEY } from '../../src/local/common/azurite';
import { mintEmulatorToken } from '../../src/local/studio/emulatorCredential';
import { seed } from '../helpers/demoTargets';
import { findSecrets, knownSecrets } from './secrets';

/** The scanner test/run.ts applies to all test output, and the scenarios to logs and run records. */
describe('secret scanner', () => {
    it('knows every key, token and secret of the demo seed, and the storage key', () => {
        const secrets = knownSecrets();
        for (const s of [seed.armTokenSecret, seed.workspaces[0].authorizationToken, AZURITE_KEY])
            assert.ok(secrets.has(s));
        assert.ok(secrets.has(seed.trainingServices[0].apiKey));
        assert.ok(secrets.has(seed.classicWebServices[0].endpoints[0].primaryKey));
        assert.ok(secrets.has(seed.armWebServices[0].keys.primary));
        assert.ok(![...secrets.keys()].includes('churn-training'), 'ids are not secrets');
    });

    it('finds configured secrets and secret-shaped values, and names them without their values', () => {
        const key = seed.trainingServices[0].apiKey;
        assert.deepEqual(findSecrets(`calling with ${key}`), ['seed.trainingServices[0].apiKey']);
        assert.deepEqual(findSecrets('GET /x?sv=2024&sig=AbCdEfGhIjKlMnOpQrStUv%2B%3D'), ['SAS sig= value']);
        assert.deepEqual(findSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc'), ['bearer token']);
        const token = mintEmulatorToken(seed.armTokenSecret, Date.now() + 60_000);
        assert.ok(findSecrets(`token ${token}`).includes('emulator ARM token'));
        assert.deepEqual(findSecrets(`AccountName=a;AccountKey=${AZURITE_KEY}`).length > 0, true);
    });

    it('does not flag redacted or harmless text', () => {
        assert.deepEqual(findSecrets('GET /x?sv=2024&sig=*** Authorization: Bearer *** AccountKey=***'), []);
        assert.deepEqual(findSecrets('run churn-20260101 Promoted; AUC 0.91'), []);
    });
});
