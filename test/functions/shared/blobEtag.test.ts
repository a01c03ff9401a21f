import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient, RestError } from '@azure/storage-blob';

import { etagOf } from '../../../src/functions/shared/blobEtag';
import { testStorage, uniqueName } from '../../helpers/azurite';

/** The blob write a trigger invocation reports: from its metadata, else read from the blob in Azurite. */
describe('etagOf', () => {
    let container: ContainerClient;
    before(async () => {
        const blobs = BlobServiceClient.fromConnectionString((await testStorage()).connectionString);
        container = blobs.getContainerClient(uniqueName('data'));
        await container.create();
    });

    it("takes the trigger's Properties ETag (as the worker camel-cases it), quotes stripped, without reading the blob", async () => {
        const unread = {
            getProperties: () => Promise.reject(new Error('the blob must not be read when the metadata has the ETag')),
        };
        assert.equal(await etagOf({ properties: { eTag: '"0x8DC0FFEE"' } }, unread), '0x8DC0FFEE');
        assert.equal(await etagOf({ properties: { ETag: '0x8DC0FFEE' } }, unread), '0x8DC0FFEE');
    });

    it('reads the blob when the metadata has no usable ETag, and gives undefined for a blob already gone', async () => {
        const blob = container.getBlockBlobClient('t/a.csv');
        const written = await blob.upload('a,b\n1,2\n', 8);
        assert.ok(written.etag);
        const expected = written.etag.replace(/"/g, '');
        assert.equal(await etagOf(undefined, blob), expected);
        assert.equal(await etagOf({ properties: { eTag: {} } }, blob), expected, 'a serialized struct is not an ETag');
        assert.equal(await etagOf({}, container.getBlockBlobClient('t/gone.csv')), undefined);
    });

    it('lets any other storage failure fail the invocation (it is retried)', async () => {
        const down = { getProperties: () => Promise.reject(new RestError('unavailable', { statusCode: 503 })) };
        await assert.rejects(etagOf({}, down), (err: unknown) => err instanceof RestError && err.statusCode === 503);
    });
});
