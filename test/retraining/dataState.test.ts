import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { withExclusion, withQuarantine } from '../../src/retraining/dataPolicy';
import { dataStateBlobName, DataStateStore } from '../../src/retraining/dataState';
import { testStorage, uniqueName } from '../helpers/azurite';

describe('DataStateStore (Azurite)', () => {
    let container: ContainerClient;
    before(async () => {
        const storage = await testStorage();
        // Not created: the first write creates it, as for a fresh deployment.
        container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            uniqueName('state'),
        );
    });

    it('reads an empty state before any write, and writes nothing for an unchanged state', async () => {
        const store = new DataStateStore(container);
        const s = await store.load('churn');
        assert.deepEqual(s, { version: 1, excluded: {}, quarantined: {}, released: {} });
        await store.update('churn', (x) => x);
        assert.equal(await container.exists(), false);
    });

    it('persists an update in its own blob, never in the data blobs', async () => {
        const store = new DataStateStore(container);
        await store.update('churn', (s) => withExclusion(s, 'churn/a.csv', { by: 'ana', at: 't1' }));
        const text = (await container.getBlockBlobClient(dataStateBlobName('churn')).downloadToBuffer()).toString();
        assert.equal(
            (JSON.parse(text) as { excluded: Record<string, unknown> }).excluded['churn/a.csv'] !== undefined,
            true,
        );
        assert.deepEqual((await new DataStateStore(container).load('churn')).excluded['churn/a.csv'], {
            by: 'ana',
            at: 't1',
        });
        assert.deepEqual(await store.load('houses'), { version: 1, excluded: {}, quarantined: {}, released: {} });
    });

    it('loses neither of two concurrent updates (each re-applied over the other on a conflict)', async () => {
        const a = new DataStateStore(container);
        const b = new DataStateStore(container);
        await Promise.all([
            ...Array.from({ length: 4 }, (_, i) =>
                a.update('race', (s) => withExclusion(s, `race/x${i}.csv`, { by: 'ana', at: `t${i}` })),
            ),
            ...Array.from({ length: 4 }, (_, i) =>
                b.update('race', (s) => withQuarantine(s, `run-${i}`, [{ name: `race/q${i}.csv`, etag: 'e' }], 't')),
            ),
        ]);
        const s = await a.load('race');
        assert.equal(Object.keys(s.excluded).length, 4);
        assert.equal(Object.keys(s.quarantined).length, 4);
    });
});
