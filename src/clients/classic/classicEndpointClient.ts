import { BlobLocation } from '../blobLocation';
import { MlServiceError } from '../errors';
import type { ClientOptions, OperationOptions } from '../options';
import { ClientPipeline } from '../clientPipeline';
import { SecretSet } from '../redact';
import { joinUrl } from '../serviceUrl';
import { AddEndpointRequest, ClassicEndpoint, ClassicWebService, TrainedModelConfirmation } from './types';

export interface ClassicEndpointClientOptions extends ClientOptions {
    /** The web service's default endpoint, when known from config (saves a GET the API key may not allow). */
    defaultEndpointName?: string;
}

/**
 * Classic web service endpoints: read, add, and retrain (PATCH the trained-model resource).
 * The default endpoint mirrors the experiment and cannot be retrained, so the client refuses it
 * before sending anything.
 */
export class ClassicEndpointClient {
    readonly #pipeline: ClientPipeline;
    readonly #base: string;
    #defaultEndpointName: string | undefined;

    /**
     * @param managementBaseUrl - e.g. `https://management.azureml.net` (or the emulator's URL)
     * @param credential - the workspace authorization token, or the endpoint's API key for per-endpoint calls
     */
    constructor(
        managementBaseUrl: string,
        readonly workspaceId: string,
        readonly webServiceId: string,
        credential: string,
        options: ClassicEndpointClientOptions = {},
    ) {
        this.#base = joinUrl(managementBaseUrl, 'workspaces', workspaceId, 'webservices', webServiceId);
        this.#defaultEndpointName = options.defaultEndpointName;
        this.#pipeline = new ClientPipeline('classic', { apiKey: credential }, new SecretSet(), options);
    }

    async getWebService(options: OperationOptions = {}): Promise<ClassicWebService> {
        const res = await this.#get('classic getWebService', this.#base, options);
        const ws = res as ClassicWebService;
        if (ws.DefaultEndpointName) this.#defaultEndpointName = ws.DefaultEndpointName;
        return ws;
    }

    async listEndpoints(options: OperationOptions = {}): Promise<ClassicEndpoint[]> {
        const res = await this.#get('classic listEndpoints', joinUrl(this.#base, 'endpoints'), options);
        const list = Array.isArray(res) ? (res as ClassicEndpoint[]) : [];
        for (const e of list) this.#learnKeys(e);
        return list;
    }

    async getEndpoint(name: string, options: OperationOptions = {}): Promise<ClassicEndpoint> {
        const e = (await this.#get(
            'classic getEndpoint',
            joinUrl(this.#base, 'endpoints', name),
            options,
        )) as ClassicEndpoint;
        this.#learnKeys(e);
        return e;
    }

    async addEndpoint(name: string, body: AddEndpointRequest, options: OperationOptions = {}): Promise<void> {
        await this.#pipeline.send({
            operation: 'classic addEndpoint',
            method: 'PUT',
            url: joinUrl(this.#base, 'endpoints', name),
            body,
            expectedStatus: [200, 201, 202, 204],
            options,
        });
    }

    async deleteEndpoint(name: string, options: OperationOptions = {}): Promise<void> {
        await this.#pipeline.send({
            operation: 'classic deleteEndpoint',
            method: 'DELETE',
            url: joinUrl(this.#base, 'endpoints', name),
            expectedStatus: [200, 202, 204],
            options,
        });
    }

    /**
     * Points the endpoint's trained-model resource at a new `.ilearner` (PATCH). The location must
     * carry a SAS the service can read the blob with.
     */
    async updateTrainedModel(
        endpointName: string,
        resourceName: string,
        location: BlobLocation,
        options: OperationOptions = {},
    ): Promise<void> {
        const defaultName = this.#defaultEndpointName ?? (await this.getWebService(options)).DefaultEndpointName;
        if (defaultName !== undefined && defaultName.toLowerCase() === endpointName.toLowerCase()) {
            throw new MlServiceError({
                operation: 'classic updateTrainedModel',
                code: 'DefaultEndpointUpdateNotAllowed',
                detail: `'${endpointName}' is the default endpoint of ${this.webServiceId}; its model follows the experiment and cannot be replaced. Add an endpoint and update that one.`,
            });
        }
        this.#pipeline.secrets.add(location.sasBlobToken);
        await this.#pipeline.send({
            operation: 'classic updateTrainedModel',
            method: 'PATCH',
            url: joinUrl(this.#base, 'endpoints', endpointName),
            body: {
                Resources: [
                    {
                        Name: resourceName,
                        Location: {
                            BaseLocation: location.baseLocation,
                            RelativeLocation: location.relativeLocation,
                            SasBlobToken: location.sasBlobToken,
                        },
                    },
                ],
            },
            expectedStatus: [200, 202, 204],
            options,
        });
    }

    /** Reads the endpoint back: does the named resource now point at `expected`? */
    async confirmTrainedModel(
        endpointName: string,
        resourceName: string,
        expected: BlobLocation,
        options: OperationOptions = {},
    ): Promise<TrainedModelConfirmation> {
        const endpoint = await this.getEndpoint(endpointName, options);
        const matches = (endpoint.Resources ?? []).filter((r) => r.Name === resourceName);
        if (matches.length !== 1) {
            throw new MlServiceError({
                operation: 'classic confirmTrainedModel',
                code: matches.length === 0 ? 'ResourceNotFound' : 'AmbiguousResource',
                detail: `endpoint '${endpointName}' has ${matches.length} resources named '${resourceName}'`,
            });
        }
        const loc = matches[0]?.Location;
        if (!loc?.BaseLocation || !loc.RelativeLocation) return { confirmed: false };
        const current = new BlobLocation(loc.BaseLocation, loc.RelativeLocation);
        return { confirmed: current.sameBlobAs(expected), currentUri: current.uri() };
    }

    async #get(operation: string, url: string, options: OperationOptions): Promise<unknown> {
        const res = await this.#pipeline.send({ operation, method: 'GET', url, expectedStatus: [200], options });
        return res.body;
    }

    /** Endpoint keys come back in GETs; remember them so they are redacted from anything later. */
    #learnKeys(e: ClassicEndpoint): void {
        this.#pipeline.secrets.add(e.PrimaryKey);
        this.#pipeline.secrets.add(e.SecondaryKey);
        for (const r of e.Resources ?? []) this.#pipeline.secrets.add(r.Location?.SasBlobToken);
    }
}
