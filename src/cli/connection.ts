import path from 'node:path';

import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient } from '@azure/storage-blob';

import { readStackInfo, STACK_FILE } from '../local/stack/stackFile';
import { RetrainerClient } from './retrainerClient';

export interface ConnectionFlags {
    url?: string;
    key?: string;
    storage?: string;
    'account-url'?: string;
    stack?: string;
}

/** A usage error: the message says what to pass instead. */
export class CliError extends Error {
    constructor(message: string) {
        super(message);
        this.name = 'CliError';
    }
}

/**
 * A flag with a value the command cannot use (`--limit abc`): the CLI exits 2, the README's
 * usage-error code, instead of the 1 of a failure, and the message names the flag.
 */
export class UsageError extends CliError {
    constructor(message: string) {
        super(message);
        this.name = 'UsageError';
    }
}

/**
 * The app to talk to: flags, then RETRAINER_URL/RETRAINER_KEY, then the local stack that
 * `npm start` describes in `{stack}/stack.json` (default `.retrainer`). A URL without a key takes
 * the stack's key when it is the stack's own `apiUrl` (trailing slashes aside).
 * @throws CliError when no app is named and no stack runs, or a URL other than the stack's has no key
 */
export function appClient(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): RetrainerClient {
    const url = flags.url ?? env.RETRAINER_URL;
    const key = flags.key ?? env.RETRAINER_KEY;
    // A 401 names the key's source, since the fix differs: a mistyped flag, a stale variable, a stack file.
    const given = flags.key !== undefined ? '--key' : 'RETRAINER_KEY';
    const passed =
        `Check the function key: the app refused the one from ${given}; pass the app's function key ` +
        '(the portal\'s "Function keys", or `az functionapp keys list`) with --key or RETRAINER_KEY.';
    const dir = stackDir(flags, env);
    if (url) {
        if (key) return new RetrainerClient(url, key, passed);
        // `--url` naming the local stack itself (as its own output prints it) needs no key: the
        // stack file has the one for that very URL. Any other URL's key is not ours to guess.
        const stack = readStackInfo(dir);
        if (stack && sameApiUrl(url, stack.apiUrl)) {
            return new RetrainerClient(url, stack.functionKey, stackKeyHint(dir));
        }
        const elsewhere = stack ? ` (the local stack in ${dir} serves ${stack.apiUrl}, not this URL)` : '';
        throw new CliError(`No function key for ${url}: pass --key or set RETRAINER_KEY${elsewhere}.`);
    }
    const stack = readStackInfo(dir);
    if (!stack) {
        throw new CliError(
            'No Retrainer app to talk to: start the local stack with `npm start` (in another terminal), ' +
                'or pass --url and --key (or set RETRAINER_URL and RETRAINER_KEY) for a deployed app.',
        );
    }
    const local =
        `Check the function key: the local stack refused the one from ${given}; leave out --key and ` +
        `RETRAINER_KEY and the CLI uses the stack's own (${path.join(dir, STACK_FILE)}).`;
    return new RetrainerClient(stack.apiUrl, key ?? stack.functionKey, key === undefined ? stackKeyHint(dir) : local);
}

/** A 401's hint when the key came from `{dir}/stack.json`. */
function stackKeyHint(dir: string): string {
    return (
        `Check the function key: the local stack refused the one from ${path.join(dir, STACK_FILE)}; ` +
        'is that the stack `npm start` runs now? Restart it to rewrite the file.'
    );
}

/** Whether two API roots are the same one, as the CLI joins paths to them (trailing slashes aside). */
function sameApiUrl(a: string, b: string): boolean {
    const root = (u: string) => u.trim().replace(/\/+$/, '');
    return root(a) === root(b);
}

/**
 * Where training files go: `--storage`/RETRAINER_STORAGE (a connection string), `--account-url`
 * (Azure AD through DefaultAzureCredential), or the local stack's Azurite.
 */
export function blobService(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): BlobServiceClient {
    const connection = flags.storage ?? env.RETRAINER_STORAGE;
    if (connection) return BlobServiceClient.fromConnectionString(connection);
    const accountUrl = flags['account-url'] ?? env.RETRAINER_ACCOUNT_URL;
    if (accountUrl) return new BlobServiceClient(accountUrl, new DefaultAzureCredential());
    const stack = readStackInfo(stackDir(flags, env));
    if (!stack) {
        throw new CliError(
            'No storage to upload to: start the local stack with `npm start`, or pass --storage ' +
                '"<connection string>" (or RETRAINER_STORAGE), or --account-url https://<account>.blob.core.windows.net.',
        );
    }
    return BlobServiceClient.fromConnectionString(stack.storageConnectionString);
}

function stackDir(flags: ConnectionFlags, env: NodeJS.ProcessEnv): string {
    return flags.stack ?? env.RETRAINER_STACK ?? '.retrainer';
}

export const CONNECTION_OPTIONS = {
    url: { type: 'string' },
    key: { type: 'string' },
    storage: { type: 'string' },
    'account-url': { type: 'string' },
    stack: { type: 'string' },
} as const;
