import { app, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import { outboxOf, runtimeDeps } from '../activities/runtime';
import { blobNameError, matchesDataPattern } from '../retraining/dataPattern';
import { validateUpload } from '../retraining/validateUpload';
import { etagOf } from './shared/blobEtag';
import { CLOSED_RUN_WAIT_IN_MS, startOrSignal } from './shared/startRetrain';
import { recordIfTerminated } from './shared/terminated';

/** The container the blob trigger watches (each target's `data.container` should be this one). */
export const DATA_CONTAINER_SETTING = 'RETRAINER_DATA_CONTAINER';

/**
 * A training file landed: find its target, refuse what cannot be training data (with the reason
 * in the log, starting nothing), record the arrival in the target's outbox and start or hint its
 * orchestration. Never waits for a finishing run: the outbox makes the arrival durable, the run's
 * final look or the timer's catch-up pass picks it up. A failure (an outage) fails the invocation,
 * so the blob extension retries it; one that ends in poison is still found by the catch-up pass.
 */
export async function onTrainingData(blob: Buffer, context: InvocationContext): Promise<void> {
    const raw = context.triggerMetadata?.name;
    const name = typeof raw === 'string' ? raw : '';
    const container = process.env[DATA_CONTAINER_SETTING] ?? '';
    const deps = runtimeDeps();
    const target = deps.config.targets.find(
        (t) => t.data.container === container && matchesDataPattern(t.data.prefixPattern, name),
    );
    if (!target) {
        const badName = blobNameError(name);
        context.log(badName ? `Ignored: ${badName}.` : `Ignored '${name}': no target's data pattern matches it.`);
        return;
    }
    const problem = await validateUpload(target, name, blob.subarray(0, 64 * 1024));
    if (problem) {
        context.warn(`Rejected training file for target '${target.name}': ${problem}. No retrain was started.`);
        return;
    }
    const client = df.getClient(context);
    // A start replaces the instance: a run terminated from outside is recorded first.
    await recordIfTerminated(client, deps, target.name, (m) => context.log(m));
    const etag = await etagOf(context.triggerMetadata, deps.blobs.getContainerClient(container).getBlobClient(name));
    const { instanceId, outcome } = await startOrSignal(
        client,
        outboxOf(deps),
        target.name,
        { kind: 'blob', blobName: name },
        (m) => context.warn(m),
        CLOSED_RUN_WAIT_IN_MS,
        etag,
    );
    const said = {
        started: 'Started',
        signalled: 'Signalled',
        pending: 'Recorded (the live run already took its last look; the catch-up pass starts the next) for',
        covered: 'Ignored a repeated delivery (a run already listed this write): nothing started or hinted for',
        served: 'Started nothing (a run took this arrival and has ended since) for',
    } as const;
    context.log(`${said[outcome]} ${instanceId} for '${name}'${etag ? ` (ETag ${etag})` : ''}.`);
}

app.storageBlob('onTrainingData', {
    path: `%${DATA_CONTAINER_SETTING}%/{name}`,
    connection: 'AzureWebJobsStorage',
    // Flex Consumption runs blob triggers only from Event Grid; elsewhere it is also the low-latency choice.
    source: 'EventGrid',
    extraInputs: [df.input.durableClient()],
    handler: onTrainingData,
});
