import { BlobLocation } from '../blobLocation';
import { MlServiceError } from '../errors';
import { AzureBlobDataReference, BatchJob, JOB_STATUSES, JobStatus } from './types';

/** BES emits StatusCode as a string or as its enum index 0..4 (both observed); accept either. */
export function parseJobStatus(raw: unknown): JobStatus | undefined {
    if (typeof raw === 'number' && Number.isInteger(raw)) return JOB_STATUSES[raw];
    if (typeof raw === 'string') {
        const t = raw.trim();
        if (/^\d$/.test(t)) return JOB_STATUSES[Number(t)];
        return JOB_STATUSES.find((s) => s.toLowerCase() === t.toLowerCase());
    }
    return undefined;
}

export function parseBatchJob(jobId: string, body: unknown, operation: string): BatchJob {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const status = parseJobStatus(b.StatusCode);
    if (!status) {
        throw new MlServiceError({
            operation,
            code: 'UnexpectedResponse',
            detail: `StatusCode ${JSON.stringify(b.StatusCode)} is not a known job status`,
        });
    }
    const results: Record<string, BlobLocation> = {};
    const raw = b.Results;
    if (typeof raw === 'object' && raw !== null) {
        for (const [name, ref] of Object.entries(raw as Record<string, AzureBlobDataReference | null>)) {
            const loc = ref ? toBlobLocation(ref) : undefined;
            if (loc) results[name] = loc;
        }
    }
    const details = typeof b.Details === 'string' && b.Details.length > 0 ? b.Details : undefined;
    return { id: jobId, status, results, ...(details === undefined ? {} : { details }) };
}

function toBlobLocation(ref: AzureBlobDataReference): BlobLocation | undefined {
    if (!ref.RelativeLocation) return undefined;
    if (ref.BaseLocation) return new BlobLocation(ref.BaseLocation, ref.RelativeLocation, ref.SasBlobToken ?? '');
    const endpoint = ref.ConnectionString ? blobEndpointOf(ref.ConnectionString) : undefined;
    return endpoint ? new BlobLocation(endpoint, ref.RelativeLocation) : undefined;
}

/** The blob endpoint named by a connection string; the key is deliberately not kept. */
export function blobEndpointOf(connectionString: string): string | undefined {
    const parts = new Map<string, string>();
    for (const kv of connectionString.split(';')) {
        const i = kv.indexOf('=');
        if (i > 0) parts.set(kv.slice(0, i).trim().toLowerCase(), kv.slice(i + 1).trim());
    }
    const explicit = parts.get('blobendpoint');
    if (explicit) return explicit.endsWith('/') ? explicit : `${explicit}/`;
    const account = parts.get('accountname');
    if (!account) return undefined;
    const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
    const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
    return `${protocol}://${account}.blob.${suffix}/`;
}
