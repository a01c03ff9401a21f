import {
    AzureMachineLearningWorkspaces,
    ModelVersion,
    OnlineDeployment,
    OnlineEndpoint,
} from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/identity';
import { PipelinePolicy, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';

import { AzureMlError, toAzureMlError } from './errors';

/** The api-version of the official SDK this client is built on (and of the emulator's v2 surface). */
export const AZUREML_API_VERSION = '2022-10-01';
const ARM_SCOPE = 'https://management.azure.com/.default';

/** Where the workspace is. */
export interface AzureMlWorkspaceRef {
    subscriptionId: string;
    resourceGroup: string;
    workspace: string;
}

export interface AzureMlClientOptions {
    /** ARM base URL (default `https://management.azure.com`); the studio emulator's URL offline. */
    endpoint?: string;
    /** Extra pipeline policies (tests validate every request and response with one). */
    additionalPolicies?: PipelinePolicy[];
}

/** A command job to run the training on one data file. */
export interface CommandJobSpec {
    name: string;
    /** The environment's ARM id or `azureml:` reference; it picks the training. */
    environmentId: string;
    command: string;
    /** `azureml://datastores/{datastore}/paths/{path}` of the canonical data file. */
    trainingDataUri: string;
    computeId?: string;
    experimentName?: string;
    displayName?: string;
    /** Passed as literal inputs (hyperparameters). */
    literalInputs?: Record<string, string>;
    tags?: Record<string, string>;
}

/** Statuses after which a job never changes (the spec's JobStatus). */
export const TERMINAL_JOB_STATUSES: readonly string[] = ['Completed', 'Failed', 'Canceled', 'NotResponding', 'Paused'];

export interface JobInfo {
    name: string;
    status: string;
    /** Output name -> its URI (`azureml://datastores/.../paths/.../`). */
    outputs: Record<string, string>;
    /** The failure the emulator records in `properties` (`azureml.emulator.error`); the real service keeps it in run history. */
    error?: string;
    /** True when the submit found the job already there (a retried submit). */
    existed?: boolean;
}

export interface ModelVersionSpec {
    name: string;
    version: string;
    /** The folder (a job's `model` output) or file of the model. */
    modelUri: string;
    jobName?: string;
    description?: string;
    tags?: Record<string, string>;
}

export interface DeploymentSpec {
    endpoint: string;
    deployment: string;
    location: string;
    /** The model version's ARM id. */
    modelId: string;
    instanceType?: string;
    instanceCount?: number;
    tags?: Record<string, string>;
}

/**
 * A long-running operation begun and not waited for: serializable, so a later activity can poll
 * it (the SDK poller's own resume state).
 */
export interface OperationHandle {
    kind: 'deployment' | 'endpoint' | 'deleteDeployment';
    endpoint: string;
    deployment?: string;
    /** The SDK poller's `toString()`: where to poll. */
    state: string;
}

export interface OperationProgress {
    status: 'InProgress' | 'Succeeded' | 'Failed';
    /** The service's message when Failed. */
    error?: string;
}

export interface EndpointInfo {
    name: string;
    location: string;
    provisioningState?: string;
    traffic: Record<string, number>;
    scoringUri?: string;
}

export interface DeploymentInfo {
    name: string;
    provisioningState?: string;
    model?: string;
}

export interface ScoreRequest {
    scoringUri: string;
    key: string;
    columns: string[];
    rows: (string | number)[][];
    /** Sends `azureml-model-deployment` to reach this deployment whatever its traffic. */
    deployment?: string;
    abortSignal?: AbortSignal;
}

export interface ScoreResult {
    /** The deployment that answered (the `azureml-model-deployment` response header). */
    deployment?: string;
    predictions: Record<string, unknown>[];
}

/**
 * Bearer tokens over plain HTTP for a loopback endpoint only (the offline emulator): the SDK's
 * own policy refuses non-TLS URLs, which is right for everything else.
 */
function loopbackBearerPolicy(credential: TokenCredential): PipelinePolicy {
    return {
        name: 'loopbackBearerPolicy',
        async sendRequest(request, next) {
            const url = new URL(request.url);
            if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
                throw new Error('Plain-HTTP bearer tokens are only sent to a loopback emulator.');
            }
            const token = await credential.getToken(ARM_SCOPE, { abortSignal: request.abortSignal });
            if (!token) throw new Error('The credential returned no token.');
            request.headers.set('Authorization', `Bearer ${token.token}`);
            request.allowInsecureConnection = true;
            return next(request);
        },
    };
}

/**
 * The Azure ML v2 operations the retraining loop needs, through the official
 * `@azure/arm-machinelearning` SDK (api-version 2022-10-01). Traffic and model changes are full
 * PUTs of the resource (read-modify-write): the spec's PATCH accepts only tags/identity/sku.
 * Long-running operations are begun and handed back as an OperationHandle to poll later, never
 * waited for here. Every failure is an AzureMlError.
 */
export class AzureMlClient {
    readonly sdk: AzureMachineLearningWorkspaces;
    private readonly endpoint: string;

    constructor(
        private readonly ws: AzureMlWorkspaceRef,
        credential: TokenCredential,
        options: AzureMlClientOptions = {},
    ) {
        const endpoint = (options.endpoint ?? 'https://management.azure.com').replace(/\/+$/, '');
        this.endpoint = endpoint;
        this.sdk = new AzureMachineLearningWorkspaces(credential, ws.subscriptionId, {
            endpoint,
            $host: endpoint,
            credentialScopes: [ARM_SCOPE],
        });
        if (endpoint.startsWith('http:')) {
            this.sdk.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
            this.sdk.pipeline.addPolicy(loopbackBearerPolicy(credential));
        }
        for (const p of options.additionalPolicies ?? []) this.sdk.pipeline.addPolicy(p, { afterPhase: 'Retry' });
    }

    private async call<T>(operation: string, f: () => Promise<T>): Promise<T> {
        try {
            return await f();
        } catch (err) {
            throw toAzureMlError(operation, err);
        }
    }

    /**
     * A request through the SDK's pipeline (credential, retries, policies) with a JSON body sent and
     * read as is. Jobs go this way because the SDK 2.1.1 serializer loses fields of jobs: its
     * discriminator table has no `JobInput.uri_file` / `JobOutput.uri_folder` entries (their mappers
     * name `AssetJobInput` / `AssetJobOutput` as their parent), so it sends a uri_file input without
     * its `uri` and reads an output without its `uri`. The spec check in the tests caught it.
     */
    private async raw(
        operation: string,
        method: 'GET' | 'PUT' | 'POST',
        path: string,
        body?: unknown,
    ): Promise<{ status: number; body: unknown }> {
        const url = `${this.endpoint}/subscriptions/${encodeURIComponent(this.ws.subscriptionId)}/resourceGroups/${encodeURIComponent(this.ws.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(this.ws.workspace)}${path}?api-version=${AZUREML_API_VERSION}`;
        const request = createPipelineRequest({
            url,
            method,
            headers: createHttpHeaders(
                body === undefined
                    ? { accept: 'application/json' }
                    : { accept: 'application/json', 'content-type': 'application/json' },
            ),
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const response = await this.call(operation, () => this.sdk.sendRequest(request));
        let parsed: unknown;
        try {
            parsed = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
        } catch {
            parsed = undefined;
        }
        if (response.status >= 400) {
            const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
            const status = response.status;
            throw new AzureMlError(
                `Azure ML ${operation} failed (HTTP ${status}${err?.code ? ` ${err.code}` : ''}): ${(err?.message ?? 'no error body').slice(0, 500)}`,
                status,
                err?.code,
                status === 408 || status === 429 || status >= 500,
            );
        }
        return { status: response.status, body: parsed };
    }

    /**
     * Submits a command job under the caller's name (PUT). A job already there under that name is
     * returned as it is (`existed`), so a retried submit starts nothing new.
     */
    async submitCommandJob(spec: CommandJobSpec): Promise<JobInfo> {
        const existing = await this.findJob(spec.name);
        if (existing) return { ...existing, existed: true };
        const inputs: Record<string, unknown> = {
            training_data: { jobInputType: 'uri_file', uri: spec.trainingDataUri, mode: 'ReadOnlyMount' },
        };
        for (const [k, v] of Object.entries(spec.literalInputs ?? {}))
            inputs[k] = { jobInputType: 'literal', value: v };
        const properties: Record<string, unknown> = {
            jobType: 'Command',
            command: spec.command,
            environmentId: spec.environmentId,
            inputs,
            outputs: {
                model: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' },
                metrics: { jobOutputType: 'uri_folder', mode: 'ReadWriteMount' },
            },
        };
        if (spec.computeId) properties.computeId = spec.computeId;
        if (spec.experimentName) properties.experimentName = spec.experimentName;
        if (spec.displayName) properties.displayName = spec.displayName;
        if (spec.tags) properties.tags = spec.tags;
        const r = await this.raw('submit job', 'PUT', `/jobs/${encodeURIComponent(spec.name)}`, { properties });
        return jobInfo(r.body);
    }

    async getJob(name: string): Promise<JobInfo> {
        const job = await this.findJob(name);
        if (!job) throw new AzureMlError(`Azure ML job '${name}' does not exist.`, 404, 'ResourceNotFound', false);
        return job;
    }

    private async findJob(name: string): Promise<JobInfo | undefined> {
        try {
            return jobInfo((await this.raw('get job', 'GET', `/jobs/${encodeURIComponent(name)}`)).body);
        } catch (err) {
            if (err instanceof AzureMlError && err.statusCode === 404) return undefined;
            throw err;
        }
    }

    /** Requests cancellation (the service answers at once and stops the job in the background; read the status with getJob). */
    async cancelJob(name: string): Promise<void> {
        await this.raw('cancel job', 'POST', `/jobs/${encodeURIComponent(name)}/cancel`);
    }

    /** Registers a model version (PUT; the same spec again is a no-op update). */
    async createModelVersion(spec: ModelVersionSpec): Promise<{ id: string }> {
        const body: ModelVersion = {
            properties: {
                modelUri: spec.modelUri,
                jobName: spec.jobName,
                description: spec.description,
                tags: spec.tags,
            },
        };
        const r = await this.call('create model version', () =>
            this.sdk.modelVersions.createOrUpdate(
                this.ws.resourceGroup,
                this.ws.workspace,
                spec.name,
                spec.version,
                body,
            ),
        );
        return { id: r.id! };
    }

    async getEndpoint(endpoint: string): Promise<EndpointInfo> {
        const e = await this.call('get endpoint', () =>
            this.sdk.onlineEndpoints.get(this.ws.resourceGroup, this.ws.workspace, endpoint),
        );
        return {
            name: e.name!,
            location: e.location,
            provisioningState: e.properties.provisioningState,
            traffic: { ...(e.properties.traffic ?? {}) },
            scoringUri: e.properties.scoringUri,
        };
    }

    /** The endpoint's primary key (for scoring). */
    async getEndpointKey(endpoint: string): Promise<string> {
        const keys = await this.call('list endpoint keys', () =>
            this.sdk.onlineEndpoints.listKeys(this.ws.resourceGroup, this.ws.workspace, endpoint),
        );
        if (!keys.primaryKey)
            throw new AzureMlError(`Endpoint '${endpoint}' has no primary key.`, undefined, undefined, false);
        return keys.primaryKey;
    }

    /** The deployment, or undefined when there is none by that name. */
    async findDeployment(endpoint: string, deployment: string): Promise<DeploymentInfo | undefined> {
        try {
            const d = await this.sdk.onlineDeployments.get(
                this.ws.resourceGroup,
                this.ws.workspace,
                endpoint,
                deployment,
            );
            return { name: d.name!, provisioningState: d.properties.provisioningState, model: d.properties.model };
        } catch (err) {
            const e = toAzureMlError('get deployment', err);
            if (e.statusCode === 404) return undefined;
            throw e;
        }
    }

    /** Begins creating (or updating) a managed online deployment; poll the handle with pollOperation. */
    async beginCreateDeployment(spec: DeploymentSpec): Promise<OperationHandle> {
        const body: OnlineDeployment = {
            location: spec.location,
            tags: spec.tags,
            sku: { name: 'Default', capacity: spec.instanceCount ?? 1 },
            properties: {
                endpointComputeType: 'Managed',
                model: spec.modelId,
                instanceType: spec.instanceType ?? 'Standard_DS3_v2',
                scaleSettings: { scaleType: 'Default' },
            },
        };
        const poller = await this.call('begin create deployment', () =>
            this.sdk.onlineDeployments.beginCreateOrUpdate(
                this.ws.resourceGroup,
                this.ws.workspace,
                spec.endpoint,
                spec.deployment,
                body,
            ),
        );
        return { kind: 'deployment', endpoint: spec.endpoint, deployment: spec.deployment, state: poller.toString() };
    }

    /**
     * Begins setting the endpoint's traffic: GET the endpoint, replace its `traffic` with
     * `traffic(current)`, PUT it back whole (the spec's PATCH cannot change traffic). The service
     * checks the map (sum 100 or 0, only existing deployments) and rejects it with a 400.
     */
    async beginSetTraffic(
        endpoint: string,
        traffic: (current: Record<string, number>) => Record<string, number>,
    ): Promise<OperationHandle> {
        const current = await this.call('get endpoint', () =>
            this.sdk.onlineEndpoints.get(this.ws.resourceGroup, this.ws.workspace, endpoint),
        );
        const next: OnlineEndpoint = {
            location: current.location,
            tags: current.tags,
            identity: current.identity,
            kind: current.kind,
            sku: current.sku,
            properties: {
                authMode: current.properties.authMode,
                description: current.properties.description,
                properties: current.properties.properties,
                publicNetworkAccess: current.properties.publicNetworkAccess,
                traffic: traffic({ ...(current.properties.traffic ?? {}) }),
            },
        };
        const poller = await this.call('begin set traffic', () =>
            this.sdk.onlineEndpoints.beginCreateOrUpdate(this.ws.resourceGroup, this.ws.workspace, endpoint, next),
        );
        return { kind: 'endpoint', endpoint, state: poller.toString() };
    }

    /**
     * Begins creating an online endpoint with key authentication and no traffic (a setup step:
     * the loop itself only changes traffic on an endpoint that exists).
     */
    async beginCreateEndpoint(
        endpoint: string,
        location: string,
        tags?: Record<string, string>,
    ): Promise<OperationHandle> {
        const body: OnlineEndpoint = { location, tags, properties: { authMode: 'Key', traffic: {} } };
        const poller = await this.call('begin create endpoint', () =>
            this.sdk.onlineEndpoints.beginCreateOrUpdate(this.ws.resourceGroup, this.ws.workspace, endpoint, body),
        );
        return { kind: 'endpoint', endpoint, state: poller.toString() };
    }

    /** Begins deleting a deployment (the service refuses one that still has traffic). */
    async beginDeleteDeployment(endpoint: string, deployment: string): Promise<OperationHandle> {
        const poller = await this.call('begin delete deployment', () =>
            this.sdk.onlineDeployments.beginDelete(this.ws.resourceGroup, this.ws.workspace, endpoint, deployment),
        );
        return { kind: 'deleteDeployment', endpoint, deployment, state: poller.toString() };
    }

    /** Polls a begun operation once (its `Azure-AsyncOperation`), without waiting. */
    async pollOperation(handle: OperationHandle): Promise<OperationProgress> {
        const rg = this.ws.resourceGroup;
        const ws = this.ws.workspace;
        const options = { resumeFrom: handle.state };
        try {
            const poller =
                handle.kind === 'deployment'
                    ? await this.sdk.onlineDeployments.beginCreateOrUpdate(
                          rg,
                          ws,
                          handle.endpoint,
                          handle.deployment!,
                          {} as OnlineDeployment,
                          options,
                      )
                    : handle.kind === 'endpoint'
                      ? await this.sdk.onlineEndpoints.beginCreateOrUpdate(
                            rg,
                            ws,
                            handle.endpoint,
                            {} as OnlineEndpoint,
                            options,
                        )
                      : await this.sdk.onlineDeployments.beginDelete(
                            rg,
                            ws,
                            handle.endpoint,
                            handle.deployment!,
                            options,
                        );
            const state = poller.getOperationState();
            if (state.error) return { status: 'Failed', error: toAzureMlError('operation', state.error).message };
            return { status: poller.isDone() ? 'Succeeded' : 'InProgress' };
        } catch (err) {
            // core-lro throws this when the operation itself ended Failed: an outcome, not a failed call.
            const message = err instanceof Error ? err.message : '';
            if (message.startsWith('The long-running operation has failed'))
                return { status: 'Failed', error: message };
            const e = toAzureMlError('poll operation', err);
            throw e;
        }
    }

    /** Scores rows at the endpoint, by traffic or (with `deployment`) at that deployment directly. */
    async score(request: ScoreRequest): Promise<ScoreResult> {
        const headers: Record<string, string> = {
            'content-type': 'application/json',
            authorization: `Bearer ${request.key}`,
        };
        if (request.deployment) headers['azureml-model-deployment'] = request.deployment;
        let res: Response;
        try {
            res = await fetch(request.scoringUri, {
                method: 'POST',
                headers,
                body: JSON.stringify({ input_data: { columns: request.columns, data: request.rows } }),
                signal: request.abortSignal,
            });
        } catch (err) {
            throw toAzureMlError('score', err);
        }
        const text = await res.text();
        let body: unknown;
        try {
            body = text ? JSON.parse(text) : undefined;
        } catch {
            body = undefined;
        }
        const deployment = res.headers.get('azureml-model-deployment') ?? undefined;
        if (!res.ok) {
            const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
            throw new AzureMlError(
                `Azure ML score failed (HTTP ${res.status}${deployment ? ` from deployment '${deployment}'` : ''}): ${(err?.message ?? text).slice(0, 300)}`,
                res.status,
                err?.code,
                res.status === 429 || res.status >= 500,
            );
        }
        if (!Array.isArray(body))
            throw new AzureMlError(
                'Azure ML score answered without a list of predictions.',
                res.status,
                undefined,
                false,
            );
        return { deployment, predictions: body as Record<string, unknown>[] };
    }
}

function jobInfo(body: unknown): JobInfo {
    const raw = (body ?? {}) as { name?: string; properties?: Record<string, unknown> };
    const props = raw.properties ?? {};
    const outputs: Record<string, string> = {};
    for (const [k, v] of Object.entries((props.outputs ?? {}) as Record<string, { uri?: string } | null>)) {
        if (v?.uri) outputs[k] = v.uri;
    }
    const error = (props.properties as Record<string, string> | undefined)?.['azureml.emulator.error'];
    return {
        name: raw.name ?? '',
        status: typeof props.status === 'string' ? props.status : 'Unknown',
        outputs,
        ...(error ? { error } : {}),
    };
}
