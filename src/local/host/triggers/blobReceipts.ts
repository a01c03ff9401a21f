import { ContainerClient } from '@azure/storage-blob';

import { tolerate } from '../storage/clients';
import { unquote } from './blobMessage';

/**
 * One receipt per (function, blob, ETag) under azure-webjobs-hosts/blobreceipts, where the host
 * keeps them: created incomplete when the blob is queued, marked complete once its function
 * succeeded. Receipts outlive the process, so a restarted host does not run a blob again.
 */
export class BlobReceipts {
    /** Receipts known complete: later scans skip them without a storage call. */
    readonly #complete = new Set<string>();

    constructor(
        private readonly hosts: ContainerClient,
        private readonly hostId: string,
    ) {}

    name(fnId: string, etag: string, container: string, blob: string): string {
        return `blobreceipts/${this.hostId}/Host.Functions.${fnId}/${unquote(etag)}/${container}/${blob}`;
    }

    /** True when this call created the receipt: the blob is new to the function and must be queued. */
    async claim(fnId: string, etag: string, container: string, blob: string): Promise<boolean> {
        const receipt = this.name(fnId, etag, container, blob);
        if (this.#complete.has(receipt)) return false;
        const client = this.hosts.getBlockBlobClient(receipt);
        const created = await tolerate(
            client.upload('', 0, { metadata: { incomplete: 'true' }, conditions: { ifNoneMatch: '*' } }),
            409,
        );
        if (!created) {
            const props = await tolerate(client.getProperties(), 404);
            if (props && props.metadata?.incomplete !== 'true') this.#complete.add(receipt);
            return false;
        }
        return true;
    }

    async complete(fnId: string, etag: string, container: string, blob: string): Promise<void> {
        const receipt = this.name(fnId, etag, container, blob);
        await this.hosts.getBlockBlobClient(receipt).setMetadata({ incomplete: 'false' });
        this.#complete.add(receipt);
    }
}
