import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { arrivals } from '../../src/activities/arrivals';
import { Outbox } from '../../src/retraining/outbox';
import { testStorage, uniqueName } from '../helpers/azurite';

/** The per-target outbox in Azurite: appends under the ETag, take, and the closing final look. */
describe('arrivals outbox', () => {
    let container: ContainerClient;
    before(async () => {
        const blobs = BlobServiceClient.fromConnectionString((await testStorage()).connectionString);
        container = blobs.getContainerClient(uniqueName('runs'));
    });

    it('numbers concurrent appends without losing one (creating the container on first use)', async () => {
        const outbox = new Outbox(container);
        const written = await Promise.all(
            Array.from({ length: 50 }, (_, i) => outbox.append('t', { kind: 'blob', blobName: `t/${i}.csv` })),
        );
        assert.deepEqual(
            written.map((w) => w.arrival.seq).sort((a, b) => a - b),
            Array.from({ length: 50 }, (_, i) => i + 1),
        );
        const s = await outbox.read('t');
        assert.equal(s.seq, 50);
        assert.equal(s.pending.length, 50);
        assert.equal(s.takenSeq, 0);
    });

    it('take covers everything so far; close reports later blob arrivals, or marks the outbox closed', async () => {
        const outbox = new Outbox(container);
        await outbox.append('u', { kind: 'blob', blobName: 'u/a.csv' });
        assert.deepEqual(await arrivals(outbox, { target: 'u', op: 'take', instanceId: 'i' }), { pending: 1 });
        await outbox.append('u', { kind: 'http' });
        await outbox.append('u', { kind: 'timer' });
        // Timer and HTTP arrivals were answered by the run they found: nothing to continue for.
        const none = await arrivals(outbox, { target: 'u', op: 'close', instanceId: 'i', runId: 'r1' });
        assert.equal(none.pending, 0);
        const closed = await outbox.append('u', { kind: 'blob', blobName: 'u/b.csv' });
        assert.equal(closed.closedBy?.runId, 'r1', 'an arrival after the final look learns who closed it');
        const late = await arrivals(outbox, { target: 'u', op: 'close', instanceId: 'i', runId: 'r2' });
        assert.equal(late.pending, 1);
        assert.equal(late.blobName, 'u/b.csv');
        const peek = await arrivals(outbox, { target: 'u', op: 'peek', instanceId: 'i' });
        assert.equal(peek.pending, 3);
        assert.ok(peek.latestAt);
        await outbox.take('u');
        assert.equal((await outbox.read('u')).closedBy, undefined, 'the next take reopens it');
    });
});
