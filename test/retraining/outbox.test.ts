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
            written.map((w) => ('arrival' in w ? w.arrival.seq : 0)).sort((a, b) => a - b),
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
        assert.ok('arrival' in closed);
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

    it('a repeated delivery of a blob write a take covered is no new arrival; a new write of the same name is', async () => {
        const outbox = new Outbox(container);
        const first = await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x1' });
        // Delivered twice before any run took it: both wait, and one take covers both.
        const again = await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x1' });
        assert.ok('arrival' in first && 'arrival' in again);
        assert.equal(again.arrival.seq, 2);
        await outbox.take('v');

        // After the take, the same write delivered again: nothing written, nothing pending.
        const late = await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x1' });
        assert.deepEqual(late, { covered: { blobName: 'v/a.csv', etag: '0x1' } });
        let s = await outbox.read('v');
        assert.equal(s.seq, 2);
        assert.equal(s.pending.length, 0);
        const close = await arrivals(outbox, { target: 'v', op: 'close', instanceId: 'i', runId: 'r1' });
        assert.equal(close.pending, 0, 'the run that covered it does not continue for it');

        // The blob overwritten (new ETag), or an arrival whose ETag is unknown: new arrivals.
        const changed = await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x2' });
        const unknown = await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv' });
        assert.ok('arrival' in changed && 'arrival' in unknown);
        s = await outbox.read('v');
        assert.equal(s.seq - s.takenSeq, 2);

        // Later takes keep what earlier ones covered.
        await outbox.take('v');
        s = await outbox.read('v');
        assert.deepEqual(s.covered, [
            { blobName: 'v/a.csv', etag: '0x1' },
            { blobName: 'v/a.csv', etag: '0x2' },
        ]);
        assert.ok('covered' in (await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x1' })));
        assert.ok('covered' in (await outbox.append('v', { kind: 'blob', blobName: 'v/a.csv', etag: '0x2' })));
    });

    it('a first delivery that lands after the take, for a version the run listed, asks for no run; a newer write does', async () => {
        const outbox = new Outbox(container);
        await outbox.take('w');
        // The run listed w/a.csv at 0x1 and w/b.csv at 0x7; their trigger events came after its take.
        const late = await outbox.append('w', { kind: 'blob', blobName: 'w/a.csv', etag: '0x1' });
        const newer = await outbox.append('w', { kind: 'blob', blobName: 'w/b.csv', etag: '0x8' });
        assert.ok('arrival' in late && 'arrival' in newer);
        const listed = [
            { blobName: 'w/a.csv', etag: '0x1' },
            { blobName: 'w/b.csv', etag: '0x7' },
        ];
        const asks = await arrivals(outbox, { target: 'w', op: 'close', instanceId: 'i', runId: 'r1', listed });
        assert.deepEqual(
            [asks.pending, asks.blobName],
            [1, 'w/b.csv'],
            'only the write the run never saw asks for a run',
        );

        await outbox.take('w');
        const again = await outbox.append('w', { kind: 'blob', blobName: 'w/c.csv', etag: '0x3' });
        assert.ok('arrival' in again);
        const none = await arrivals(outbox, {
            target: 'w',
            op: 'close',
            instanceId: 'i',
            runId: 'r2',
            listed: [{ blobName: 'w/c.csv', etag: '0x3' }],
        });
        assert.equal(none.pending, 0, 'a late arrival of a listed write starts nothing');
        const s = await outbox.read('w');
        assert.deepEqual([s.seq - s.takenSeq, s.pending.length, s.closedBy?.runId], [0, 0, 'r2']);
        // After the close, a (first or repeated) delivery of a listed write is covered: no start.
        assert.deepEqual(await outbox.append('w', { kind: 'blob', blobName: 'w/c.csv', etag: '0x3' }), {
            covered: { blobName: 'w/c.csv', etag: '0x3' },
        });
    });

    it('an outbox written before covered writes existed reads and takes as before', async () => {
        const outbox = new Outbox(container);
        await container.createIfNotExists();
        const old = JSON.stringify({
            seq: 3,
            takenSeq: 1,
            pending: [{ seq: 3, kind: 'blob', blobName: 'w/x.csv', at: '2026-01-01T00:00:00Z' }],
        });
        await container.getBlockBlobClient('outbox/w.json').upload(old, Buffer.byteLength(old));
        const before = await outbox.take('w');
        assert.equal(before.seq - before.takenSeq, 2);
        const s = await outbox.read('w');
        assert.equal(s.takenSeq, 3);
        assert.equal(s.covered, undefined, 'an arrival without an ETag covers nothing');
    });
});
