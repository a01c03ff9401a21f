import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Invoker } from '../../../../src/local/host/core/invoker';
import { memoryLogger } from '../../../../src/local/host/core/log';
import { BlobTriggerListener, POISON_QUEUE } from '../../../../src/local/host/triggers/blob';
import { storageClients } from '../../../../src/local/host/storage/clients';
import { uniqueName } from '../../../helpers/azurite';
import { SampleHost, startSampleHost } from '../sampleHost';
import { eventually } from '../../../helpers/environment';

describe('blob trigger through the dev host', () => {
    let s: SampleHost;
    const hostId = uniqueName('blobhost');

    before(async () => {
        s = await startSampleHost({ 'AzureWebJobs.Tick.Disabled': 'true' }, { hostId });
    });

    after(async () => {
        await s.host.stop();
    });

    const clients = (): ReturnType<typeof storageClients> => storageClients(s.settings.AzureWebJobsStorage);
    const uploads = (name: string): string[] => s.journal().filter((l) => l.startsWith(`OnUpload ${name} `));

    it('processes a new blob once, with path tokens and properties as binding data', async () => {
        const container = s.settings.SAMPLE_UPLOADS;
        const blob = clients().blobs.getContainerClient(container).getBlockBlobClient('batch-1.csv');
        const up = await blob.upload('a,b\n1,2\n', 8);
        const etag = up.etag as string;
        await eventually(() => (uploads('batch-1.csv').length ? true : undefined), 'blob processed');
        assert.deepEqual(uploads('batch-1.csv'), [`OnUpload batch-1.csv ${etag} 8 ${container}/batch-1.csv`]);

        // Further scans, also by a fresh listener that has no memory (a restarted host), queue nothing.
        assert.equal(await s.host.blob!.scan(), 0);
        const c = clients();
        const fn = s.host.registry.get('OnUpload')!;
        const fresh = new BlobTriggerListener(
            [{ fn, blobs: c.blobs }],
            new Invoker(s.host.registry, memoryLogger()),
            c.blobs.getContainerClient('azure-webjobs-hosts'),
            s.host.blob!.queue,
            s.host.blob!.poison,
            memoryLogger(),
            { hostId, maxDequeueCount: 5, retryDelayMs: 0, visibilityTimeoutMs: 60000 },
        );
        assert.equal(await fresh.scan(), 0);

        const receipt = c.blobs
            .getContainerClient('azure-webjobs-hosts')
            .getBlockBlobClient(
                `blobreceipts/${hostId}/Host.Functions.OnUpload/${etag.replace(/"/g, '')}/${container}/batch-1.csv`,
            );
        assert.equal((await receipt.getProperties()).metadata?.incomplete, 'false');
        assert.equal(uploads('batch-1.csv').length, 1);
    });

    it('processes the blob again when it changes (new ETag)', async () => {
        const blob = clients().blobs.getContainerClient(s.settings.SAMPLE_UPLOADS).getBlockBlobClient('batch-1.csv');
        const up = await blob.upload('a,b\n1,2\n3,4\n', 12);
        await eventually(() => (uploads('batch-1.csv').length === 2 ? true : undefined), 'changed blob processed');
        assert.match(uploads('batch-1.csv')[1], new RegExp(`^OnUpload batch-1.csv ${up.etag as string} 12 `));
        assert.equal(await s.host.blob!.scan(), 0);
    });

    it('moves the message to the poison queue after 5 failed attempts', async () => {
        const container = s.settings.SAMPLE_POISON;
        await clients().blobs.getContainerClient(container).getBlockBlobClient('bad.bin').upload('x', 1);
        const poisoned = await eventually(async () => {
            const peek = await s.host.blob!.poison.peekMessages({ numberOfMessages: 32 });
            return peek.peekedMessageItems
                .map((m) => JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as Record<string, string>)
                .find((m) => m.ContainerName === container);
        }, 'poison message');
        assert.equal(s.host.blob!.poison.name, POISON_QUEUE);
        assert.equal(poisoned.Type, 'BlobTrigger');
        assert.equal(poisoned.FunctionId, 'Host.Functions.PoisonPill');
        assert.equal(poisoned.BlobName, 'bad.bin');
        assert.equal(s.journal().filter((l) => l === 'PoisonPill bad bin').length, 5);
        assert.ok(s.logs.some((l) => l.includes("Blob 'poison") && l.includes(`moved to queue '${POISON_QUEUE}'`)));
        // Not retried after poisoning.
        assert.equal(await s.host.blob!.scan(), 0);
    });
});
