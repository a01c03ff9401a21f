import { BlobServiceClient } from '@azure/storage-blob';

import { withClaim } from '../../src/activities/claim';

/**
 * A claim holder that dies mid-call: takes the claim on `<container>/<blob>`, records
 * `{ jobId: <jobId> }` as a holder records a job id after a BES submit, prints "recorded", and then
 * waits forever (renewing its lease) until the test SIGKILLs it.
 * Usage: node claimHolder.js <connectionString> <container> <blob> <jobId>
 */
async function main(): Promise<void> {
    const [connectionString, container, blob, jobId] = process.argv.slice(2);
    const marker = BlobServiceClient.fromConnectionString(connectionString)
        .getContainerClient(container)
        .getBlockBlobClient(blob);
    await withClaim<{ jobId: string }, string>(marker, { now: () => new Date() }, async (claim) => {
        await claim.record({ jobId });
        process.stdout.write('recorded\n');
        return new Promise<string>(() => undefined);
    });
}

main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
});
