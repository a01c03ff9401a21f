import type { TokenCredential } from '@azure/identity';

import { MlServiceError } from '../errors';
import type { ClientOptions, OperationOptions } from '../options';
import { HttpPipeline } from '../pipeline';
import { SecretSet } from '../redact';
import { abortableSleep } from '../sleep';
import { joinUrl } from '../serviceUrl';
import { assertUpdatable, findTrainedModelAsset, withTrainedModelUri } from './assets';
import { bearerAuthorizer } from './bearerAuthorizer';
import { parseOperationStatus } from './parseOperation';
import { ArmWebService, AsyncOperationStatus, WebServiceKeys } from './types';
import { UpdateTrainedModelPoller, UpdateTrainedModelState } from './updateTrainedModelPoller';

export const ARM_API_VERSION = '2017-01-01';

export interface WebServiceClientOptions extends ClientOptions {
    /** Token scope (default `https://management.azure.com/.default`). */
    scope?: string;
}

/**
 * "New" (ARM) Azure ML web services in one resource group: read a definition, swap its trained
 * model (GET, replace the asset uri, PUT, follow Azure-AsyncOperation, read back).
 */
export class WebServiceClient {
    readonly #pipeline: HttpPipeline;
    readonly #armBase: string;
    readonly #rgBase: string;
    readonly #options: WebServiceClientOptions;

    constructor(
        armBaseUrl: string,
        readonly subscriptionId: string,
        readonly resourceGroup: string,
        credential: TokenCredential,
        options: WebServiceClientOptions = {},
    ) {
        this.#armBase = new URL(armBaseUrl).origin;
        this.#rgBase = joinUrl(armBaseUrl, 'subscriptions', subscriptionId, 'resourceGroups', resourceGroup);
        this.#options = options;
        const secrets = new SecretSet();
        const scope = options.scope ?? 'https://management.azure.com/.default';
        const authorize = bearerAuthorizer(credential, scope, secrets, options.now ?? Date.now);
        this.#pipeline = new HttpPipeline('arm', authorize, secrets, options);
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
     * Starts swapping the trained model to `newUri` (BaseLocation + RelativeLocation, no SAS). When
     * the asset already points there nothing is sent, so a retried activity is harmless.
     */
    async beginUpdateTrainedModel(
        name: string,
        trainedModelName: string,
        newUri: string,
        options: OperationOptions = {},
    ): Promise<UpdateTrainedModelPoller> {
        const ws = await this.getWebService(name, options);
        assertUpdatable(ws);
        const [assetId, asset] = findTrainedModelAsset(ws, trainedModelName);
        const state: UpdateTrainedModelState = {
            webServiceName: name,
            trainedModelName,
            previousUri: asset.locationInfo.uri,
            newUri,
            status: 'Succeeded',
            updated: false,
        };
        if (asset.locationInfo.uri !== newUri) {
            const res = await this.#pipeline.send({
                operation: 'ARM updateTrainedModel',
                method: 'PUT',
                url: this.#url(name),
                body: withTrainedModelUri(ws, assetId, newUri),
                expectedStatus: [200, 201, 202],
                options,
            });
            const opUrl = res.headers['azure-asyncoperation'];
            const provisioning = (res.body as Partial<ArmWebService> | undefined)?.properties?.provisioningState;
            state.updated = true;
            state.status = opUrl || provisioning === 'Provisioning' ? 'InProgress' : 'Succeeded';
            if (opUrl) state.operationUrl = this.#checkedOperationUrl(opUrl);
        }
        return this.#poller(state);
    }

    /** Continues an update from `poller.toString()`. */
    resumeUpdateTrainedModel(serializedState: string): UpdateTrainedModelPoller {
        const state = JSON.parse(serializedState) as UpdateTrainedModelState;
        if (state.operationUrl) this.#checkedOperationUrl(state.operationUrl);
        return this.#poller(state);
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

    #poller(state: UpdateTrainedModelState): UpdateTrainedModelPoller {
        return new UpdateTrainedModelPoller(state, {
            getOperationStatus: (url, o) => this.getOperationStatus(url, o),
            readTrainedModelUri: (n, t, o) => this.getTrainedModelUri(n, t, o),
            sleep: this.#options.sleep ?? abortableSleep,
            now: this.#options.now ?? Date.now,
        });
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
