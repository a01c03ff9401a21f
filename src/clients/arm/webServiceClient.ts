import type { TokenCredential } from '@azure/core-auth';
import { createHttpPoller, LroResponse, OperationState, SimplePollerLike } from '@azure/core-lro';

import { ClientPipeline } from '../clientPipeline';
import { isMlServiceError, MlServiceError } from '../errors';
import type { AbortSignalLike, ClientOptions, OperationOptions } from '../options';
import { SecretSet } from '../redact';
import { joinUrl } from '../serviceUrl';
import { assertUpdatable, findTrainedModelAsset, withTrainedModelUri } from './assets';
import { parseOperationStatus } from './parseOperation';
import { ArmWebService, AsyncOperationStatus, UpdateTrainedModelResult, WebServiceKeys } from './types';

export const ARM_API_VERSION = '2017-01-01';

/**
 * A trained-model swap as `@azure/core-lro` tracks it, plus what it needs to resume in another
 * process (`poller.toString()` holds all of it; no secret is in it).
 */
export interface UpdateTrainedModelState extends OperationState<UpdateTrainedModelResult> {
    webServiceName: string;
    trainedModelName: string;
    previousUri: string;
    newUri: string;
    /** False only when the asset already pointed at `newUri` and nothing was sent. */
    updated: boolean;
}

/**
 * `@azure/core-lro`'s poller of an update. `pollUntilDone({ abortSignal })` resolves with the
 * result once the service reports Succeeded and a read-back shows the new uri; it rejects with
 * `MlServiceError` only (`OperationFailed`/`OperationCanceled` or the service's code,
 * `UpdateNotReflected`, `DeadlineExceeded` when the signal was an `AbortSignal.timeout`, `Aborted`).
 * Stopping the poll does not undo the remote update.
 */
export type UpdateTrainedModelPoller = SimplePollerLike<UpdateTrainedModelState, UpdateTrainedModelResult>;

/** Options of {@link WebServiceClient.beginUpdateTrainedModel}. */
export interface BeginUpdateTrainedModelOptions extends OperationOptions {
    /** Wait between status reads (default 2 s); a Retry-After on a status read takes precedence. */
    updateIntervalInMs?: number;
}

const UPDATE = 'ARM updateTrainedModel';

export interface WebServiceClientOptions extends ClientOptions {
    /** Token scope (default `https://management.azure.com/.default`). */
    scope?: string;
}

/**
 * "New" (ARM) Azure ML web services in one resource group: read a definition, swap its trained
 * model (GET, replace the asset uri, PUT, follow Azure-AsyncOperation, read back).
 */
export class WebServiceClient {
    readonly #pipeline: ClientPipeline;
    readonly #armBase: string;
    readonly #rgBase: string;

    constructor(
        armBaseUrl: string,
        readonly subscriptionId: string,
        readonly resourceGroup: string,
        credential: TokenCredential,
        options: WebServiceClientOptions = {},
    ) {
        this.#armBase = new URL(armBaseUrl).origin;
        this.#rgBase = joinUrl(armBaseUrl, 'subscriptions', subscriptionId, 'resourceGroups', resourceGroup);
        const scope = options.scope ?? 'https://management.azure.com/.default';
        this.#pipeline = new ClientPipeline('arm', { credential, scope }, new SecretSet(), options);
    }

    #url(name: string, ...rest: string[]): string {
        const path = joinUrl(this.#rgBase, 'providers', 'Microsoft.MachineLearning', 'webServices', name, ...rest);
        return `${path}?api-version=${ARM_API_VERSION}`;
    }

    async getWebService(name: string, options: OperationOptions = {}): Promise<ArmWebService> {
        const res = await this.#pipeline.send({
            operation: 'ARM getWebService',
            method: 'GET',
            url: this.#url(name),
            expectedStatus: [200],
            options,
        });
        const ws = res.body as ArmWebService;
        for (const a of Object.values(ws.properties?.assets ?? {}))
            this.#pipeline.secrets.add(a.locationInfo?.credentials);
        return ws;
    }

    /** `GET .../listKeys` (a GET, as the real API has it): the keys BES/RRS accept for this service. */
    async listKeys(name: string, options: OperationOptions = {}): Promise<WebServiceKeys> {
        const res = await this.#pipeline.send({
            operation: 'ARM listKeys',
            method: 'GET',
            url: this.#url(name, 'listKeys'),
            expectedStatus: [200],
            options,
        });
        const keys = res.body as WebServiceKeys;
        this.#pipeline.secrets.add(keys.primary);
        this.#pipeline.secrets.add(keys.secondary);
        return keys;
    }

    /**
     * Starts swapping the trained model to `newUri` (BaseLocation + RelativeLocation, no SAS): GET
     * the definition, PUT it back with the asset's uri replaced, and hand the operation to a
     * core-lro poller (Azure-AsyncOperation, then a read-back of the definition). When the asset
     * already points there nothing is sent, so a retried activity is harmless.
     * @throws MlServiceError from the GET or PUT, or `WebServiceReadOnly`, `TrainedModelAssetNotFound`...
     */
    async beginUpdateTrainedModel(
        name: string,
        trainedModelName: string,
        newUri: string,
        options: BeginUpdateTrainedModelOptions = {},
    ): Promise<UpdateTrainedModelPoller> {
        const ws = await this.getWebService(name, options);
        assertUpdatable(ws);
        const [assetId, asset] = findTrainedModelAsset(ws, trainedModelName);
        const context = {
            webServiceName: name,
            trainedModelName,
            previousUri: asset.locationInfo.uri,
            newUri,
            updated: asset.locationInfo.uri !== newUri,
        };
        const sendInitialRequest = async (): Promise<LroResponse> => {
            if (!context.updated) return { flatResponse: ws, rawResponse: { statusCode: 200, headers: {}, body: ws } };
            const res = await this.#pipeline.send({
                operation: UPDATE,
                method: 'PUT',
                url: this.#url(name),
                body: withTrainedModelUri(ws, assetId, newUri),
                expectedStatus: [200, 201, 202],
                options,
            });
            const opUrl = res.headers['azure-asyncoperation'];
            if (opUrl) this.#checkedOperationUrl(opUrl);
            return {
                flatResponse: res.body,
                rawResponse: { statusCode: res.status, headers: res.headers, body: res.body },
            };
        };
        return this.#poller(context, sendInitialRequest, options.updateIntervalInMs);
    }

    /**
     * Continues an update from `poller.toString()`, e.g. in another process.
     * @throws MlServiceError `InvalidPollerState` when the text is not a serialized update.
     */
    async resumeUpdateTrainedModel(
        serializedState: string,
        options: { updateIntervalInMs?: number } = {},
    ): Promise<UpdateTrainedModelPoller> {
        const state = readState(serializedState);
        if (state.config?.operationLocation && state.config.operationLocation !== this.#url(state.webServiceName)) {
            this.#checkedOperationUrl(state.config.operationLocation);
        }
        const notSent = (): Promise<LroResponse> =>
            Promise.reject(new Error('a resumed update sends no initial request'));
        return this.#poller(state, notSent, options.updateIntervalInMs, serializedState);
    }

    /** One read of an `Azure-AsyncOperation` URL, for orchestrators that poll on durable timers. */
    async getOperationStatus(url: string, options: OperationOptions = {}): Promise<AsyncOperationStatus> {
        const res = await this.#pipeline.send({
            operation: 'ARM getOperationStatus',
            method: 'GET',
            url: this.#checkedOperationUrl(url),
            expectedStatus: [200],
            options,
        });
        return parseOperationStatus(res.body);
    }

    /** The trained model's current uri, as a GET reports it. */
    async getTrainedModelUri(name: string, trainedModelName: string, options: OperationOptions = {}): Promise<string> {
        const ws = await this.getWebService(name, options);
        return findTrainedModelAsset(ws, trainedModelName)[1].locationInfo.uri;
    }

    async #poller(
        context: Omit<UpdateTrainedModelState, 'status'>,
        sendInitialRequest: () => Promise<LroResponse>,
        intervalInMs: number | undefined,
        restoreFrom?: string,
    ): Promise<UpdateTrainedModelPoller> {
        const resourceUrl = this.#url(context.webServiceName);
        const sendPollRequest = async (path: string, o?: { abortSignal?: AbortSignalLike }): Promise<LroResponse> => {
            if (path === resourceUrl) {
                const ws = await this.getWebService(context.webServiceName, o);
                return { flatResponse: ws, rawResponse: { statusCode: 200, headers: {}, body: ws } };
            }
            // ARM ML reports the operation in `provisioningState` (+ `errorInfo`); core-lro reads `status`.
            const op = await this.getOperationStatus(path, o);
            if (op.status === 'Failed' || op.status === 'Canceled') {
                throw new MlServiceError({
                    operation: UPDATE,
                    code: op.error?.code ?? (op.status === 'Failed' ? 'OperationFailed' : 'OperationCanceled'),
                    detail: `web service '${context.webServiceName}': ${op.error?.message ?? op.provisioningState}`,
                });
            }
            const body = { status: op.status === 'InProgress' ? 'Running' : 'Succeeded' };
            return { flatResponse: body, rawResponse: { statusCode: 200, headers: {}, body } };
        };
        const poller = await createHttpPoller<UpdateTrainedModelResult, UpdateTrainedModelState>(
            {
                requestPath: resourceUrl,
                requestMethod: context.updated ? 'PUT' : 'GET',
                sendInitialRequest,
                sendPollRequest,
            },
            {
                intervalInMs,
                restoreFrom,
                processResult: (result) => {
                    const ws = result as ArmWebService;
                    const actual = findTrainedModelAsset(ws, context.trainedModelName)[1].locationInfo.uri;
                    if (actual !== context.newUri) {
                        // Seen in the wild (azure-docs#41738): PUT succeeds yet GET still shows the old model.
                        throw new MlServiceError({
                            operation: UPDATE,
                            code: 'UpdateNotReflected',
                            detail: `web service '${context.webServiceName}' reports Succeeded but its trained model is still ${actual}`,
                        });
                    }
                    const { webServiceName, previousUri, newUri, updated } = context;
                    return { webServiceName, previousUri, newUri, updated };
                },
            },
        );
        // core-lro serializes the whole state object: the context rides along for a resume.
        const { webServiceName, trainedModelName, previousUri, newUri, updated } = context;
        Object.assign(poller.getOperationState(), { webServiceName, trainedModelName, previousUri, newUri, updated });
        return {
            ...poller,
            poll: (o) => poller.poll(o).catch((e: unknown) => rethrowAsServiceError(e, o?.abortSignal)),
            pollUntilDone: (o) =>
                poller.pollUntilDone(o).catch((e: unknown) => rethrowAsServiceError(e, o?.abortSignal)),
        };
    }

    /** Our bearer token goes only to the ARM host we were configured with, never to a URL a response named elsewhere. */
    #checkedOperationUrl(url: string): string {
        if (new URL(url).origin !== this.#armBase) {
            throw new MlServiceError({
                operation: 'ARM getOperationStatus',
                code: 'UntrustedOperationUrl',
                detail: `operation URL host ${new URL(url).host} is not the ARM host`,
            });
        }
        return url;
    }
}

/** core-lro's own errors (abort, canceled, unparseable status) as the clients' one error type. */
function rethrowAsServiceError(e: unknown, signal: AbortSignalLike | undefined): never {
    const reason = (signal as { reason?: unknown } | undefined)?.reason;
    // An AbortSignal.timeout ran out: whatever the abort broke off (a wait, a status read) says only "aborted".
    if (signal?.aborted && reason instanceof Error && reason.name === 'TimeoutError') {
        throw new MlServiceError({
            operation: UPDATE,
            code: 'DeadlineExceeded',
            detail: 'the update did not finish in time',
            transient: true,
        });
    }
    if (isMlServiceError(e)) throw e;
    if (signal?.aborted)
        throw new MlServiceError({ operation: UPDATE, code: 'Aborted', detail: 'the wait was aborted' });
    throw new MlServiceError({
        operation: UPDATE,
        code: 'OperationFailed',
        detail: e instanceof Error ? e.message : 'unknown error',
    });
}

type SerializedUpdate = UpdateTrainedModelState & { config?: { operationLocation?: string } };

function readState(serialized: string): SerializedUpdate {
    let state: unknown;
    try {
        state = (JSON.parse(serialized) as { state?: unknown }).state;
    } catch {
        state = undefined;
    }
    const s = state as Partial<SerializedUpdate> | undefined;
    if (
        !s ||
        typeof s.webServiceName !== 'string' ||
        typeof s.trainedModelName !== 'string' ||
        typeof s.newUri !== 'string'
    ) {
        throw new MlServiceError({
            operation: UPDATE,
            code: 'InvalidPollerState',
            detail: 'not a serialized trained-model update',
        });
    }
    return s as SerializedUpdate;
}
