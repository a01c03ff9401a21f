import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import { z } from 'zod';

import { KindConfig, KindProvider, KindRegistry } from './kindRegistry';

/**
 * How an ARM target gets its bearer tokens, as the config names it (`update.credential`). The
 * product knows one kind, `default` (Azure AD through `DefaultAzureCredential`, optionally a
 * user-assigned managed identity). Other kinds are registered by whoever runs the app before it
 * starts: the offline stack registers the studio emulator's kind, so that credential never ships.
 */
export interface ArmCredentialProvider<Spec extends { kind: string } = { kind: string }> extends KindProvider<
    Spec,
    (name: string) => string,
    TokenCredential
> {
    /**
     * Builds the credential. `setting` returns the value of an app setting the config names (every
     * `...Setting` key is resolved and checked at config load).
     */
    create(spec: Spec, setting: (name: string) => string): TokenCredential;
}

/** A validated `update.credential` object: `kind` plus what that kind's provider declared. */
export type ArmCredentialConfig = KindConfig;

/** An app setting NAME; the value (a secret) is read from the environment at start-up. */
export const appSettingName = z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the NAME of an app setting (letters, digits, _), not a value');

const defaultProvider: ArmCredentialProvider<{ kind: 'default'; managedIdentityClientIdSetting?: string }> = {
    kind: 'default',
    schema: z.strictObject({ kind: z.literal('default'), managedIdentityClientIdSetting: appSettingName.optional() }),
    create: (spec, setting) =>
        spec.managedIdentityClientIdSetting
            ? new DefaultAzureCredential({ managedIdentityClientId: setting(spec.managedIdentityClientIdSetting) })
            : new DefaultAzureCredential(),
};

const registry = new KindRegistry<(name: string) => string, TokenCredential>('credential', defaultProvider);

/**
 * Adds a credential kind. Registering a kind again replaces it (a host that restarts the app in
 * one process registers twice); `default` cannot be replaced.
 * @throws TypeError when `provider.kind` is `default`.
 */
export function registerArmCredentialProvider<Spec extends { kind: string }>(
    provider: ArmCredentialProvider<Spec>,
): void {
    registry.register(provider);
}

/** The credential kinds known now, `default` first. */
export function armCredentialKinds(): string[] {
    return registry.kinds();
}

/**
 * The config schema of `update.credential`: an object whose `kind` names a registered provider,
 * checked by that provider's schema at parse time (so kinds registered after this module loaded count).
 */
export const armCredentialSchema: z.ZodType<ArmCredentialConfig> = registry.schema();

/**
 * Builds the credential a validated config object names.
 * @throws RangeError when no provider is registered for `spec.kind` (the config would not have validated).
 */
export function createArmCredential(spec: ArmCredentialConfig, setting: (name: string) => string): TokenCredential {
    return registry.create(spec, setting);
}
