import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';

import { armCredentialKinds, createArmCredential } from '../../../src/clients/armCredentials';
import { EmulatorCredential, registerEmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { ConfigError, validateConfig } from '../../../src/retraining/config';
import { churnTarget, housesTarget } from '../../helpers/demoTargets';

describe('EmulatorCredential', () => {
    it('mints studio.{exp}.{base64url HMAC} tokens expiring after the lifetime', async () => {
        const cred = new EmulatorCredential('arm-secret-value', { now: () => 1000, lifetimeInMs: 500 });
        const t = await cred.getToken('https://management.azure.com/.default');
        assert.ok(t);
        assert.equal(t.expiresOnTimestamp, 1500);
        const mac = createHmac('sha256', 'arm-secret-value').update('studio.1500').digest('base64url');
        assert.equal(t.token, `studio.1500.${mac}`);
    });

    it('never shows its secret', () => {
        const cred = new EmulatorCredential('arm-secret-value');
        assert.ok(!JSON.stringify(cred).includes('arm-secret-value'));
        assert.ok(!inspect(cred, { showHidden: true }).includes('arm-secret-value'));
    });

    it('is a credential kind only once the offline stack registers it', async () => {
        registerEmulatorCredential();
        assert.deepEqual(armCredentialKinds(), ['default', 'emulator']);
        const settings: Record<string, string> = { ARM_SECRET: 's3cr3t-value' };
        const cred = createArmCredential({ kind: 'emulator', secretSetting: 'ARM_SECRET' }, (n) => settings[n]);
        assert.ok(cred instanceof EmulatorCredential);
        assert.match((await cred.getToken('x'))?.token ?? '', /^studio\.\d+\./);
        assert.equal(
            createArmCredential({ kind: 'default' }, (n) => settings[n]).constructor.name,
            'DefaultAzureCredential',
        );
    });

    it('is validated by its own schema inside the product config', () => {
        registerEmulatorCredential();
        const where = { studioUrl: 'http://127.0.0.1:1', dataContainer: 'data', modelsContainer: 'models' };
        const houses = housesTarget(where) as { update: { credential: Record<string, unknown> } };
        houses.update.credential = { kind: 'emulator', secretSetting: 'not a name', extra: 1 };
        try {
            validateConfig({ storage: { connectionStringSetting: 'S' }, targets: [churnTarget(where), houses] });
            assert.fail('expected a ConfigError');
        } catch (e: unknown) {
            assert.ok(e instanceof ConfigError, String(e));
            assert.ok(
                e.issues.some((i) => /^targets\[1\]\.update\.credential\.secretSetting: must be the NAME/.test(i)),
                e.message,
            );
            assert.ok(e.issues.includes('targets[1].update.credential.extra: unknown key'), e.message);
        }
    });
});
