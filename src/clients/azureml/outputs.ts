import type { ContainerClient } from '@azure/storage-blob';

import { AzureMlError } from './errors';
import type { JobInfo } from './azureMlClient';

/** Datastore name -> the blob container behind it (e.g. `workspaceblobstore` -> `azureml-blobstore-…`). */
export type DatastoreContainers = Record<string, ContainerClient>;

/** Blob path of `file` in a job output folder `azureml://datastores/{name}/paths/{folder}/`. */
function locate(
    uri: string,
    file: string,
    datastores: DatastoreContainers,
): { container: ContainerClient; blob: string } {
    const m = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/.exec(uri);
    if (!m) throw new AzureMlError(`Output URI '${uri}' is not a datastore URI.`, undefined, 'BadOutputUri', false);
    const container = datastores[m[1]];
    if (!container)
        throw new AzureMlError(
            `No container is configured for datastore '${m[1]}'.`,
            undefined,
            'UnknownDatastore',
            false,
        );
    return { container, blob: `${m[2].replace(/\/?$/, '/')}${file}` };
}

/**
 * The metrics a completed job wrote: `metrics.json` (metric name -> number, Evaluate Model names
 * such as `AUC`) in its `metrics` output folder. Throws AzureMlError when the output is missing or
 * is not a JSON object of finite numbers.
 */
export async function readJobMetrics(job: JobInfo, datastores: DatastoreContainers): Promise<Record<string, number>> {
    const uri = job.outputs.metrics;
    if (!uri) throw new AzureMlError(`Job '${job.name}' has no 'metrics' output.`, undefined, 'NoMetricsOutput', false);
    const { container, blob } = locate(uri, 'metrics.json', datastores);
    let text: string;
    try {
        text = (await container.getBlockBlobClient(blob).downloadToBuffer()).toString('utf8');
    } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        throw new AzureMlError(
            `Job '${job.name}' metrics at '${blob}' could not be read (HTTP ${status ?? 'error'}).`,
            status,
            'MetricsUnreadable',
            status === undefined || status >= 500,
        );
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        throw new AzureMlError(
            `Job '${job.name}' metrics at '${blob}' are not JSON.`,
            undefined,
            'MetricsInvalid',
            false,
        );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new AzureMlError(
            `Job '${job.name}' metrics at '${blob}' must be a JSON object.`,
            undefined,
            'MetricsInvalid',
            false,
        );
    }
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(parsed)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) {
            throw new AzureMlError(
                `Job '${job.name}' metric '${k}' is not a finite number.`,
                undefined,
                'MetricsInvalid',
                false,
            );
        }
        out[k] = v;
    }
    return out;
}

/** The datastore URI of the model a job wrote (its `model` output folder), for registering a model version. */
export function jobModelUri(job: JobInfo): string {
    const uri = job.outputs.model;
    if (!uri) throw new AzureMlError(`Job '${job.name}' has no 'model' output.`, undefined, 'NoModelOutput', false);
    return uri;
}
