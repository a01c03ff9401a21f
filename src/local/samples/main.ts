import { parseArgs } from 'node:util';

import { BlobServiceClient } from '@azure/storage-blob';

import { classificationCsv, regressionCsv, toText } from './datasets';

/**
 * `npm run sample -- --target churn|houses [--rows N] [--seed N] [--drift X] [--label-noise X]`:
 * generates a data set and drops it into the local stack's training container, as a user would.
 */
async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            target: { type: 'string', default: 'churn' },
            rows: { type: 'string', default: '5000' },
            seed: { type: 'string', default: String(Date.now() % 100_000) },
            drift: { type: 'string', default: '0' },
            'label-noise': { type: 'string', default: '0' },
            container: { type: 'string', default: 'training-data' },
            storage: { type: 'string', default: process.env.RETRAINER_DATA_STORAGE ?? 'UseDevelopmentStorage=true' },
        },
    });
    const rows = Number(values.rows);
    const seed = Number(values.seed);
    const drift = Number(values.drift);
    const labelNoise = Number(values['label-noise']);
    if (![rows, seed, drift, labelNoise].every(Number.isFinite) || rows < 1)
        throw new Error('rows, seed, drift and label-noise must be numbers (rows >= 1).');
    let text: string;
    if (values.target === 'churn') text = await toText(classificationCsv({ rows, seed, drift, labelNoise }));
    else if (values.target === 'houses') text = await toText(regressionCsv({ rows, seed, drift }));
    else throw new Error(`Unknown sample target '${values.target}': use churn or houses.`);
    const name = `${values.target}/sample-${seed}.csv`;
    const container = BlobServiceClient.fromConnectionString(values.storage).getContainerClient(values.container);
    await container.createIfNotExists();
    await container
        .getBlockBlobClient(name)
        .upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'text/csv' } });
    console.log(`Uploaded ${rows} rows to ${values.container}/${name}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
