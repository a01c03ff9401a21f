import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { appClient, blobService, CliError } from '../../src/cli/connection';
import { writeStackInfo } from '../../src/local/stack/stackFile';

const AZURITE =
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:19999/devstoreaccount1;';

function stackDir(pid = process.pid): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-cli-'));
    writeStackInfo(dir, {
        apiUrl: 'http://127.0.0.1:17071/api',
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
