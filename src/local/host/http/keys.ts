import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { HostLogger } from '../core/log';

/** The host's keys: master (admin), default host key (any function), system key of the durable API. */
export interface HostKeys {
    master: string;
    functionDefault: string;
    durableSystem: string;
}

export class KeyFileError extends Error {
    override name = 'KeyFileError';
}

function newKey(): string {
    // Same alphabet and length class as the real host's generated keys (URL-safe base64).
    return randomBytes(40).toString('base64url');
}

/**
 * Loads the keys from `file`, generating and saving them (mode 600) on first run. `created` tells
 * the caller to show them once; they are never logged again.
 */
export function loadOrCreateKeys(file: string): { keys: HostKeys; created: boolean } {
    if (existsSync(file)) {
        try {
            const k = JSON.parse(readFileSync(file, 'utf8')) as Partial<HostKeys>;
            if (k.master && k.functionDefault && k.durableSystem) {
                return {
                    keys: { master: k.master, functionDefault: k.functionDefault, durableSystem: k.durableSystem },
                    created: false,
                };
            }
        } catch {
            // fall through: a corrupt file is replaced
        }
        throw new KeyFileError(`${file} is not a valid key file; delete it to generate new keys.`);
    }
    const keys: HostKeys = { master: newKey(), functionDefault: newKey(), durableSystem: newKey() };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(keys, null, 4) + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    return { keys, created: true };
}

/**
 * The host's keys from `<stateDir>/keys.json`. Freshly generated keys are shown once, before they
 * are registered as secrets; from then on every log line masks them.
 */
export function openHostKeys(stateDir: string, log: HostLogger): HostKeys {
    const keyFile = path.join(stateDir, 'keys.json');
    const { keys, created } = loadOrCreateKeys(keyFile);
    if (created) {
        log.host(
            `Generated host keys, stored in ${keyFile} (shown once): master=${keys.master} default=${keys.functionDefault}`,
        );
    }
    for (const k of [keys.master, keys.functionDefault, keys.durableSystem]) log.addSecret(k);
    return keys;
}

function same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}

export type AuthLevel = 'anonymous' | 'function' | 'admin' | 'system';

/** Whether `presented` (from ?code= or x-functions-key) satisfies the level, as the host decides it. */
export function authorized(level: string, presented: string | undefined, keys: HostKeys): boolean {
    const l = level.toLowerCase();
    if (l === 'anonymous') return true;
    if (!presented) return false;
    if (same(presented, keys.master)) return true;
    if (l === 'function') return same(presented, keys.functionDefault);
    if (l === 'system') return same(presented, keys.durableSystem);
    return false;
}
