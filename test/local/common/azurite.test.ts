import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import { testStorage, uniqueName } from '../../helpers/azurite';

describe('test Azurite', () => {
    it('stores and reads back a blob over real HTTP', async () => {
        const storage = await testStorage();
        const service = BlobServiceClient.fromConnectionString(storage.connectionString);
        const container = service.getContainerClient(uniqueName('smoke'));
        await container.create();
        const blob = container.getBlockBlobClient('hello.txt');
        await blob.upload('hello', 5);
        const body = await blob.downloadToBuffer();
        assert.equal(body.toString(), 'hello');
        assert.notEqual(storage.blobPort, 10000, 'tests must not use the default port a developer may have running');
    });
});
