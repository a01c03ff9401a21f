import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';

import { BlobLocation } from '../../src/clients/blobLocation';

describe('BlobLocation', () => {
    const loc = new BlobLocation(
        'http://127.0.0.1:10000/devstoreaccount1',
        'models/churn/r1/model.ilearner',
        '?sv=1&sig=SECRETSIG',
    );

    it('builds uri (no SAS) and url (with SAS) from base + relative', () => {
        assert.equal(loc.uri(), 'http://127.0.0.1:10000/devstoreaccount1/models/churn/r1/model.ilearner');
        assert.equal(loc.url(), `${loc.uri()}?sv=1&sig=SECRETSIG`);
        assert.equal(loc.container, 'models');
        assert.equal(loc.blobName, 'churn/r1/model.ilearner');
    });

    it('keeps the SAS token out of JSON, toString and inspection', () => {
        for (const s of [JSON.stringify(loc), String(loc), loc.toString(), inspect(loc)]) {
            assert.ok(!s.includes('SECRETSIG'), s);
        }
    });

    it('compares blobs regardless of token and trailing slash', () => {
        const other = new BlobLocation('http://127.0.0.1:10000/devstoreaccount1/', '/models/churn/r1/model.ilearner');
        assert.ok(loc.sameBlobAs(other));
        assert.ok(!loc.sameBlobAs(new BlobLocation(loc.baseLocation, 'models/other.ilearner')));
    });

    it('parses full URLs for Azure (account in host) and Azurite (account in path)', () => {
        const azure = BlobLocation.fromUrl('https://acct.blob.core.windows.net/c/p/m.ilearner?sig=x');
        assert.equal(azure.baseLocation, 'https://acct.blob.core.windows.net/');
        assert.equal(azure.relativeLocation, 'c/p/m.ilearner');
        assert.equal(azure.sasBlobToken, '?sig=x');
        const local = BlobLocation.fromUrl('http://127.0.0.1:10000/devstoreaccount1/c/m.ilearner');
        assert.equal(local.baseLocation, 'http://127.0.0.1:10000/devstoreaccount1/');
        assert.equal(local.relativeLocation, 'c/m.ilearner');
    });
});
