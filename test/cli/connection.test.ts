import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { appClient, blobService, CliError } from '../../src/cli/connection';
import { writeStackInfo } from '../../src/local/stack/stackFile';

const AZURITE =
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:19999/devstoreaccount1;';

function stackDir(pid = process.pid, apiUrl = 'http://127.0.0.1:17071/api'): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-cli-'));
    writeStackInfo(dir, {
        apiUrl,
        functionKey: 'stack-key',
        storageConnectionString: AZURITE,
        studioUrl: 'http://127.0.0.1:17090',
        pid,
    });
    return dir;
}

describe('CLI connection', () => {
    it('prefers --url/--key, then RETRAINER_URL/RETRAINER_KEY, then the running stack', () => {
        const stack = stackDir();
        assert.equal(appClient({ url: 'https://a.example/api/', key: 'k', stack }, {}).apiUrl, 'https://a.example/api');
        assert.equal(
            appClient({ stack }, { RETRAINER_URL: 'https://b.example/api', RETRAINER_KEY: 'k' }).apiUrl,
            'https://b.example/api',
        );
        assert.equal(appClient({ stack }, {}).apiUrl, 'http://127.0.0.1:17071/api');
        assert.equal(appClient({}, { RETRAINER_STACK: stack }).apiUrl, 'http://127.0.0.1:17071/api');
    });

    it('asks for a key when only a URL is given', () => {
        assert.throws(() => appClient({ url: 'https://a.example/api' }, {}), /pass --key or set RETRAINER_KEY/);
    });

    it("takes the running stack's key for a URL without a key when the URL is the stack's own", async () => {
        // A small app on a free port that says which key each request carried.
        const keys: (string | undefined)[] = [];
        const server = createServer((req, res) => {
            keys.push(req.headers['x-functions-key'] as string | undefined);
            res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
        const stack = stackDir(process.pid, api);
        const sentKey = async (client: ReturnType<typeof appClient>): Promise<string | undefined> => {
            await client.listTargets();
            return keys.at(-1);
        };
        try {
            for (const url of [api, `${api}/`]) {
                const client = appClient({ url, stack }, {});
                assert.equal(client.apiUrl, api);
                assert.equal(await sentKey(client), 'stack-key', url);
            }
            const fromEnv = appClient({}, { RETRAINER_URL: `${api}/`, RETRAINER_STACK: stack });
            assert.equal(await sentKey(fromEnv), 'stack-key', 'RETRAINER_URL and RETRAINER_STACK too');
            // A key given still wins.
            assert.equal(await sentKey(appClient({ url: api, key: 'mine', stack }, {})), 'mine');
        } finally {
            await new Promise((resolve) => server.close(resolve));
        }
        // Any other URL (another port, another app) gets no key from the stack.
        const other = `http://127.0.0.1:1/api`;
        assert.throws(
            () => appClient({ url: other, stack }, {}),
            (e: unknown) =>
                e instanceof CliError &&
                e.message ===
                    `No function key for ${other}: pass --key or set RETRAINER_KEY (the local stack in ${stack} serves ${api}, not this URL).`,
        );
        // A stack whose process has gone lends no key.
        const stale = stackDir(2 ** 22 + 12345, api);
        assert.throws(
            () => appClient({ url: api, stack: stale }, {}),
            (e: unknown) =>
                e instanceof CliError && e.message === `No function key for ${api}: pass --key or set RETRAINER_KEY.`,
        );
    });

    it('explains what to do when no stack runs: none started, or its process has gone', () => {
        const none = mkdtempSync(path.join(tmpdir(), 'retrainer-cli-'));
        assert.throws(
            () => appClient({ stack: none }, {}),
            (e: unknown) => e instanceof CliError && /npm start/.test(e.message),
        );
        // A pid that cannot exist: the stack was killed without removing its file.
        const stale = stackDir(2 ** 22 + 12345);
        assert.throws(() => appClient({ stack: stale }, {}), /No Retrainer app to talk to/);
        assert.throws(() => blobService({ stack: stale }, {}), /No storage to upload to/);
    });

    it('uploads to a given connection string or account URL before the stack', () => {
        const stack = stackDir();
        assert.equal(blobService({ stack }, {}).url, 'http://127.0.0.1:19999/devstoreaccount1');
        const other = AZURITE.replace('19999', '29999');
        assert.equal(blobService({ stack, storage: other }, {}).url, 'http://127.0.0.1:29999/devstoreaccount1');
        assert.equal(
            blobService({ stack }, { RETRAINER_ACCOUNT_URL: 'https://acct.blob.core.windows.net' }).url,
            'https://acct.blob.core.windows.net/',
        );
    });

    it('keeps the stack file private to its owner', () => {
        const dir = stackDir();
        assert.equal(statSync(path.join(dir, 'stack.json')).mode & 0o077, 0);
    });
});
