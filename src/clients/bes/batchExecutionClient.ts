import { isMlServiceError, MlServiceError } from '../errors';
import type { ClientOptions, OperationOptions } from '../options';
import { ClientPipeline } from '../clientPipeline';
import { SecretSet } from '../redact';
import { joinUrl, serviceBaseUrl } from '../serviceUrl';
import { parseBatchJob } from './parseJob';
import { BatchExecutionRequest, BatchJob } from './types';

const API_VERSION = 'api-version=2.0';

/**
 * The Batch Execution Service of one training web service (or endpoint): submit, start, read and
 * cancel jobs. Single-shot methods only: long waits belong to the caller (a durable timer loop).
 */
export class BatchExecutionClient {
    readonly endpoint: string;
    readonly #pipeline: ClientPipeline;

    /**
     * @param endpoint - the service URL `.../workspaces/{ws}/services/{id}` (a pasted `.../jobs?api-version=2.0` works too)
     * @param apiKey - the service's primary or secondary API key
     */
    constructor(endpoint: string, apiKey: string, options: ClientOptions = {}) {
        this.endpoint = serviceBaseUrl(endpoint);
        this.#pipeline = new ClientPipeline('bes', { apiKey }, new SecretSet(), options);
    }

    /** Creates a job (not yet running) and returns its id. Connection strings and SAS tokens in the request are redacted from any error. */
    async submitJob(request: BatchExecutionRequest, options: OperationOptions = {}): Promise<string> {
        for (const ref of [...Object.values(request.Inputs ?? {}), ...Object.values(request.Outputs ?? {})]) {
            this.#pipeline.secrets.add(ref.ConnectionString);
            this.#pipeline.secrets.add(ref.SasBlobToken);
        }
        const res = await this.#pipeline.send({
            operation: 'BES submitJob',
            method: 'POST',
            url: `${joinUrl(this.endpoint, 'jobs')}?${API_VERSION}`,
            body: request,
            expectedStatus: [200, 201],
            options,
        });
        const id = typeof res.body === 'string' ? res.body.trim().replace(/^"|"$/g, '') : '';
        if (!id) {
            throw new MlServiceError({
                operation: 'BES submitJob',
                code: 'UnexpectedResponse',
                detail: 'the response did not contain a job id',
                requestId: res.requestId,
            });
        }
        return id;
    }

    /**
     * Starts a submitted job. Idempotent: if the service refuses because the job already runs
     * (a retry after a lost response, or a re-run activity), that counts as started.
     */
    async startJob(jobId: string, options: OperationOptions = {}): Promise<void> {
        try {
            await this.#pipeline.send({
                operation: 'BES startJob',
                method: 'POST',
                url: `${joinUrl(this.endpoint, 'jobs', jobId, 'start')}?${API_VERSION}`,
                body: {},
                expectedStatus: [200, 202, 204],
                options,
            });
        } catch (e: unknown) {
            if (!isMlServiceError(e) || e.statusCode !== 400) throw e;
            const job = await this.getJob(jobId, options);
            if (job.status !== 'Running' && job.status !== 'Finished') throw e;
        }
    }

    async getJob(jobId: string, options: OperationOptions = {}): Promise<BatchJob> {
        const res = await this.#pipeline.send({
            operation: 'BES getJob',
            method: 'GET',
            url: `${joinUrl(this.endpoint, 'jobs', jobId)}?${API_VERSION}`,
            expectedStatus: [200],
            options,
        });
        const job = parseBatchJob(jobId, res.body, 'BES getJob');
        for (const loc of Object.values(job.results)) this.#pipeline.secrets.add(loc.sasBlobToken);
        return job;
    }

    /** Cancels a job; stopping to poll does not, so callers cancel explicitly at their deadline. */
    async cancelJob(jobId: string, options: OperationOptions = {}): Promise<void> {
        await this.#pipeline.send({
            operation: 'BES cancelJob',
            method: 'DELETE',
            url: `${joinUrl(this.endpoint, 'jobs', jobId)}?${API_VERSION}`,
            expectedStatus: [200, 202, 204],
            options,
        });
    }
}
