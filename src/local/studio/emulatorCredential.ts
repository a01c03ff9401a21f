import { createHmac } from 'node:crypto';

import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

import { appSettingName, registerArmCredentialProvider } from '../../clients/armCredentials';
import { registerEmulatorDeploymentMetrics } from './emulatorDeploymentMetrics';

/** Options of {@link EmulatorCredential}. */
export interface EmulatorCredentialOptions {
    /** Token lifetime (default one hour, like Azure AD access tokens). */
    lifetimeInMs?: number;
    now?: () => number;
}

/**
 * An offline `TokenCredential` for the studio emulator's ARM surface. It mints
 * `studio.{expiresOnEpochMs}.{base64url(HMAC-SHA256(secret, "studio.{expiresOnEpochMs}"))}`,
 * the format the emulator verifies (docs/studio-emulator.md). Scopes are ignored: the emulator has
 * one audience. The secret lives in a private field so inspecting or serializing the credential
 * cannot print it.
 */
export class EmulatorCredential implements TokenCredential {
    readonly #secret: string;
    readonly #lifetimeInMs: number;
    readonly #now: () => number;

    constructor(secret: string, options: EmulatorCredentialOptions = {}) {
        if (!secret) throw new TypeError('EmulatorCredential needs a non-empty secret');
        this.#secret = secret;
        this.#lifetimeInMs = options.lifetimeInMs ?? 3_600_000;
        this.#now = options.now ?? Date.now;
    }

    getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken | null> {
        const expiresOnTimestamp = this.#now() + this.#lifetimeInMs;
        return Promise.resolve({ token: mintEmulatorToken(this.#secret, expiresOnTimestamp), expiresOnTimestamp });
    }

    toJSON(): Record<string, string> {
        return { kind: 'EmulatorCredential' };
    }
}

/** The token format the studio emulator's ARM surface verifies (see `auth.ts`). */
export function mintEmulatorToken(secret: string, expiresOnEpochMs: number): string {
    const payload = `studio.${expiresOnEpochMs}`;
    const mac = createHmac('sha256', secret).update(payload).digest('base64url');
    return `${payload}.${mac}`;
}

/**
 * The config kind `{"kind": "emulator", "secretSetting": "<app setting holding the studio's
 * armTokenSecret>"}`. It lives here, in the offline stack, so the deployed app neither ships nor
 * accepts it: only a process that called {@link registerEmulatorCredential} knows the kind.
 */
export const emulatorCredentialProvider = {
    kind: 'emulator',
    schema: z.strictObject({ kind: z.literal('emulator'), secretSetting: appSettingName }),
    create: (spec: { kind: 'emulator'; secretSetting: string }, setting: (name: string) => string): TokenCredential =>
        new EmulatorCredential(setting(spec.secretSetting)),
};

/**
 * Registers the `emulator` ARM credential kind with the product's provider registry, and with it
 * the `emulator` live-metrics kind of Azure ML v2 targets (`emulatorDeploymentMetrics.ts`): a
 * config that names the one for its ARM calls names the other for its live checks (the demo's
 * `churn-v2` target does), so wherever the credential kind validates, that config validates too.
 * The dev host calls it before it loads the app; tests that validate a config naming the kinds
 * call it too.
 */
export function registerEmulatorCredential(): void {
    registerArmCredentialProvider(emulatorCredentialProvider);
    registerEmulatorDeploymentMetrics();
}
