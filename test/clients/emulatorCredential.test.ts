import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';

import { createArmCredential } from '../../src/clients/credentialFactory';
import { EmulatorCredential } from '../../src/clients/emulatorCredential';

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

    it('the factory picks the emulator credential from config', async () => {
        const cred = createArmCredential({ kind: 'emulator', secret: 's3cr3t-value' });
        assert.ok(cred instanceof EmulatorCredential);
        assert.match((await cred.getToken('x'))?.token ?? '', /^studio\.\d+\./);
        assert.equal(createArmCredential({ kind: 'default' }).constructor.name, 'DefaultAzureCredential');
    });
});
