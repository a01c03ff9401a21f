import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { readBlobText } from '../../src/retraining/blobText';
import { testStorage, uniqueName } from '../helpers/azurite';

/** Reading a state blob that another copy keeps rewriting (Azurite). */
describe('readBlobText', () => {
    let container: ContainerClient;
    before(async () => {
        const blobs = BlobServiceClient.fromConnectionString((await testStorage()).connectionString);
        container = blobs.getContainerClient(uniqueName('blobtext'));
        await container.create();
    });
    after(() => container?.delete());

    it('reads one whole version while a writer replaces the blob with shorter and longer ones', async () => {
        const blob = container.getBlockBlobClient('state.json');
        // Sizes that differ a lot: a read sized by one version and filled from the other is torn.
        const versions = [
            JSON.stringify(['short']),
            JSON.stringify(Array.from({ length: 300 }, (_, i) => `item ${i}`)),
        ];
        await blob.upload(versions[0], Buffer.byteLength(versions[0]));
        let writing = true;
        const writer = (async () => {
            for (let i = 1; writing; i++) {
                const v = versions[i % 2];
                await blob.upload(v, Buffer.byteLength(v));
            }
        })();
        const seen: string[] = [];
        const both = () => versions.every((v) => seen.includes(v));
        try {
            // Reads, four at a time while the writer runs: at least 400, and until both versions were
            // read (the reads did overlap the rewrites); 20,000 reads at most, should the writer stall.
            for (let round = 0; (round < 100 || !both()) && round < 5000; round++)
                seen.push(...(await Promise.all(Array.from({ length: 4 }, () => readBlobText(blob)))));
        } finally {
            writing = false;
            await writer;
        }
        const torn = seen.filter((text) => !versions.includes(text));
        assert.deepEqual(torn.slice(0, 3), [], `${torn.length} of ${seen.length} reads were no whole version`);
        assert.ok(both(), 'the reads overlapped the rewrites');
    });

    it('throws the 404 when there is no blob', async () => {
        await assert.rejects(readBlobText(container.getBlockBlobClient('absent.json')), { statusCode: 404 });
    });
});
