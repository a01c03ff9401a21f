import { readFileSync } from 'node:fs';
import path from 'node:path';

import { AZURITE_KEY } from '../../src/local/common/azurite';

/** Every string value under a key that names a secret in the demo seed. */
function seedSecrets(node: unknown, out: Map<string, string>, where = 'seed', secret = false): void {
    if (typeof node === 'string' && secret) out.set(node, where);
    else if (Array.isArray(node)) node.forEach((n, i) => seedSecrets(n, out, `${where}[${i}]`));
    else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
            const named = secret || (/key|token|secret/i.test(k) && !/name|setting/i.test(k));
            seedSecrets(v, out, `${where}.${k}`, named);
        }
    }
}

/** The configured secrets the suite uses, value -> what it is (the description is safe to print). */
export function knownSecrets(root = path.resolve(__dirname, '..', '..', '..')): Map<string, string> {
    const out = new Map<string, string>();
    seedSecrets(JSON.parse(readFileSync(path.join(root, 'studio.seed.json'), 'utf8')), out);
    out.set(AZURITE_KEY, 'storage account key');
    return out;
}

/** Secrets nobody listed: a SAS signature, a bearer token, an emulator ARM token, an AccountKey. */
const PATTERNS: [RegExp, string][] = [
    [/[?&]sig=(?!\*)[A-Za-z0-9%+/=]{16,}/, 'SAS sig= value'],
    [/\bBearer\s+(?!\*)[A-Za-z0-9._~+/=-]{16,}/, 'bearer token'],
    [/\bstudio\.\d{10,}\.[A-Za-z0-9_-]{20,}/, 'emulator ARM token'],
    [/AccountKey=(?!\*)[A-Za-z0-9+/=]{20,}/, 'AccountKey= value'],
];

/**
 * What secret-looking things `text` contains, as descriptions (never the values, so a report of a
 * leak does not leak again).
 */
export function findSecrets(text: string, secrets: Map<string, string> = knownSecrets()): string[] {
    const found = new Set<string>();
    for (const [value, what] of secrets) if (text.includes(value)) found.add(what);
    for (const [re, what] of PATTERNS) if (re.test(text)) found.add(what);
    return [...found];
}
