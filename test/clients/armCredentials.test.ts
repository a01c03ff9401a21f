import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import {
    armCredentialKinds,
    armCredentialSchema,
    createArmCredential,
    registerArmCredentialProvider,
} from '../../src/clients/armCredentials';

/** The product alone: no host has registered anything in this process. */
describe('ARM credential providers', () => {
    it('knows only `default` until a host registers more, and refuses other kinds by name', () => {
        assert.deepEqual(armCredentialKinds(), ['default']);
        const r = armCredentialSchema.safeParse({ kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' });
        assert.equal(r.success, false);
        assert.deepEqual(
            r.error?.issues.map((i) => [i.path.join('.'), i.message]),
            [['kind', "unknown credential kind 'emulator' (known: default)"]],
        );
    });

    it('validates `default` strictly and builds a DefaultAzureCredential for it', () => {
        assert.equal(armCredentialSchema.safeParse({ kind: 'default' }).success, true);
        const bad = armCredentialSchema.safeParse({
            kind: 'default',
            clientSecret: 'x',
            managedIdentityClientIdSetting: 'a b',
        });
        assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')).sort(), [
            'clientSecret',
            'managedIdentityClientIdSetting',
        ]);
        const asked: string[] = [];
        const cred = createArmCredential({ kind: 'default', managedIdentityClientIdSetting: 'MI_CLIENT_ID' }, (n) => {
            asked.push(n);
            return '00000000-0000-0000-0000-000000000001';
        });
        assert.equal(cred.constructor.name, 'DefaultAzureCredential');
        assert.deepEqual(asked, ['MI_CLIENT_ID']);
    });

    it('takes a registered kind at parse time, and never lets `default` be replaced', () => {
        const token = { token: 'fixed-token-value', expiresOnTimestamp: Date.now() + 60_000 };
        registerArmCredentialProvider({
            kind: 'fixed',
            schema: z.strictObject({ kind: z.literal('fixed') }),
            create: () => ({ getToken: () => Promise.resolve(token) }),
        });
        assert.deepEqual(armCredentialKinds(), ['default', 'fixed']);
        assert.equal(armCredentialSchema.safeParse({ kind: 'fixed' }).success, true);
        assert.throws(
            () =>
                registerArmCredentialProvider({
                    kind: 'default',
                    schema: z.strictObject({ kind: z.literal('default') }),
                    create: () => ({ getToken: () => Promise.resolve(token) }),
                }),
            TypeError,
        );
    });
});
