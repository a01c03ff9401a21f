import { createHash, randomBytes } from 'node:crypto';

import { StudioContext, endpointKey } from '../context';
import { Errors } from '../errors';
import { Route, StudioRequest, json, route } from '../http';
import type { ClassicWebServiceSeed } from '../seed';
import type { EndpointRecord } from '../state';
import { StorageAccessError, readModelBytes } from '../storage';
import { TrainingError, parseIlearner } from '../training';

const MAX_ENDPOINTS = 10_000;

function webService(ctx: StudioContext, req: StudioRequest): ClassicWebServiceSeed {
    const ws = ctx.seed.classicWebServices.find(
        (w) => w.workspaceId === req.params.workspaceId && w.id.toLowerCase() === req.params.webServiceId.toLowerCase(),
    );
    if (!ws) throw Errors.notFound(`Web service '${req.params.webServiceId}'`);
    return ws;
}

function endpointsOf(ctx: StudioContext, ws: ClassicWebServiceSeed): EndpointRecord[] {
    return Object.values(ctx.state.endpoints).filter(
        (e) => e.workspaceId === ws.workspaceId && e.webServiceId === ws.id,
    );
}

function findEndpoint(ctx: StudioContext, req: StudioRequest): EndpointRecord {
    const ws = webService(ctx, req);
    const e = ctx.state.endpoints[endpointKey(ws.workspaceId, ws.id, req.params.name)];
    if (!e) throw Errors.notFound(`Endpoint '${req.params.name}'`);
    return e;
}

function webServiceBody(ctx: StudioContext, ws: ClassicWebServiceSeed): unknown {
    return {
        Id: ws.id,
        Name: ws.name,
        Description: '',
        CreationTime: '2026-01-01T00:00:00Z',
        WorkspaceId: ws.workspaceId,
        DefaultEndpointName: ws.endpoints[0].name,
        EndpointCount: endpointsOf(ctx, ws).length,
    };
}

function endpointBody(ctx: StudioContext, ws: ClassicWebServiceSeed, e: EndpointRecord): unknown {
    const apiLocation = `${ctx.baseUrl}/workspaces/${e.workspaceId}/services/${e.serviceId}`;
    return {
        Name: e.name,
        Description: e.description,
        CreationTime: e.createdAt,
        WorkspaceId: e.workspaceId,
        WebServiceId: e.webServiceId,
        HelpLocation: `${apiLocation}/help`,
        PrimaryKey: e.primaryKey,
        SecondaryKey: e.secondaryKey,
        ApiLocation: apiLocation,
        Version: e.model ? e.model.sha256.slice(0, 12) : '0',
        PreventUpdate: e.preventUpdate,
        SampleDataEnabled: false,
        ExperimentLocation: `${ctx.baseUrl}/workspaces/${e.workspaceId}/experiments/${ws.experimentServiceId}`,
        MaxConcurrentCalls: e.maxConcurrentCalls,
        DiagnosticsTraceLevel: e.diagnosticsTraceLevel,
        ThrottleLevel: e.throttleLevel,
        Resources: [
            {
                Name: ws.trainedModelName,
                Kind: 'TrainedModel',
                Location: e.model
                    ? {
                          BaseLocation: e.model.location.BaseLocation,
                          RelativeLocation: e.model.location.RelativeLocation,
                      }
                    : null,
            },
        ],
    };
}

function str(body: Record<string, unknown>, key: string): string | undefined {
    const v = body[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw Errors.requestBodyInvalid(`'${key}' must be a string.`);
    return v;
}

async function patchEndpoint(ctx: StudioContext, req: StudioRequest): Promise<void> {
    const ws = webService(ctx, req);
    const e = findEndpoint(ctx, req);
    if (e.isDefault) {
        throw Errors.badArgument(
            'DefaultEndpointUpdateNotAllowed',
            `The default endpoint '${e.name}' is kept in sync with the experiment and cannot be updated; add a new endpoint and patch that one.`,
            e.name,
        );
    }
    if (e.preventUpdate)
        throw Errors.badArgument('UpdateNotAllowed', `Endpoint '${e.name}' has PreventUpdate set.`, e.name);
    const body = req.body as { Resources?: unknown } | undefined;
    if (!body || !Array.isArray(body.Resources) || body.Resources.length === 0) {
        throw Errors.requestBodyInvalid("The body must have a non-empty 'Resources' array.");
    }
    if (body.Resources.length > 1)
        throw Errors.badArgument('InvalidResourceName', 'This web service has one updatable resource.');
    const resource = body.Resources[0] as { Name?: unknown; Location?: Record<string, unknown> };
    if (resource.Name !== ws.trainedModelName) {
        throw Errors.badArgument(
            'InvalidResourceName',
            `'${String(resource.Name)}' is not an updatable resource of this web service; it has '${ws.trainedModelName}'.`,
        );
    }
    const location = resource.Location ?? {};
    const base = str(location, 'BaseLocation');
    const relative = str(location, 'RelativeLocation');
    const sas = str(location, 'SasBlobToken');
    if (!base || !relative) throw Errors.requestBodyInvalid('Location needs BaseLocation and RelativeLocation.');
    if (!relative.toLowerCase().endsWith('.ilearner')) {
        throw Errors.badArgument('InvalidBlobExtension', 'The trained model location must end with .ilearner.');
    }
    const url = `${base.endsWith('/') ? base : `${base}/`}${relative.replace(/^\/+/, '')}${sas ? (sas.startsWith('?') ? sas : `?${sas}`) : ''}`;
    let bytes: Buffer;
    try {
        bytes = await readModelBytes(url, ctx.storageConnectionString);
        parseIlearner(bytes);
    } catch (err) {
        if (err instanceof StorageAccessError || err instanceof TrainingError) {
            throw Errors.badArgument('InvalidBlob', `The trained model could not be loaded: ${err.message}`);
        }
        throw err;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await ctx.store.putModel(sha256, bytes);
    const now = ctx.now();
    const delay = ctx.faults.behaviour([e.serviceId, ws.id], 'patchPropagationDelayInMs') ?? 0;
    e.previousModel = e.model;
    e.model = {
        resourceName: ws.trainedModelName,
        location: { BaseLocation: base, RelativeLocation: relative },
        sha256,
        boundAt: now.toISOString(),
        effectiveAt: new Date(now.getTime() + delay).toISOString(),
    };
    await ctx.persist();
    ctx.log(`endpoint ${ws.id}/${e.name} now serves ${relative}`);
}

function addEndpoint(ctx: StudioContext, req: StudioRequest): Promise<EndpointRecord> {
    const ws = webService(ctx, req);
    const name = req.params.name;
    if (!/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/.test(name)) {
        throw Errors.badArgument(
            'InvalidEndpointName',
            'An endpoint name is up to 24 lowercase letters, digits and inner hyphens.',
        );
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    const throttle = str(body, 'ThrottleLevel') ?? 'Low';
    if (throttle !== 'Low' && throttle !== 'High')
        throw Errors.requestBodyInvalid("ThrottleLevel must be 'Low' or 'High'.");
    const calls = body.MaxConcurrentCalls ?? 4;
    if (typeof calls !== 'number' || !Number.isInteger(calls) || calls < 1 || calls > 200) {
        throw Errors.requestBodyInvalid('MaxConcurrentCalls must be an integer from 1 to 200.');
    }
    const key = endpointKey(ws.workspaceId, ws.id, name);
    const existing = ctx.state.endpoints[key];
    if (existing) {
        if (existing.isDefault)
            throw Errors.badArgument('DefaultEndpointUpdateNotAllowed', 'The default endpoint cannot be replaced.');
        existing.description = str(body, 'Description') ?? existing.description;
        existing.throttleLevel = throttle;
        existing.maxConcurrentCalls = calls;
        existing.preventUpdate = body.PreventUpdate === true;
        return ctx.persist().then(() => existing);
    }
    if (endpointsOf(ctx, ws).length >= MAX_ENDPOINTS)
        throw Errors.badArgument('TooManyEndpoints', 'The web service has too many endpoints.');
    const record: EndpointRecord = {
        workspaceId: ws.workspaceId,
        webServiceId: ws.id,
        name,
        serviceId: randomBytes(16).toString('hex'),
        primaryKey: randomBytes(48).toString('base64'),
        secondaryKey: randomBytes(48).toString('base64'),
        description: str(body, 'Description') ?? '',
        throttleLevel: throttle,
        maxConcurrentCalls: calls,
        preventUpdate: body.PreventUpdate === true,
        diagnosticsTraceLevel: 'None',
        isDefault: false,
        createdAt: ctx.now().toISOString(),
        // A new endpoint starts with the web service's current (default endpoint's) model.
        model: endpointsOf(ctx, ws).find((e) => e.isDefault)?.model,
    };
    ctx.state.endpoints[key] = record;
    return ctx.persist().then(() => record);
}

export function managementRoutes(): Route[] {
    const base = '/workspaces/:workspaceId/webservices';
    const wsScopes = (req: StudioRequest): string[] => [req.params.webServiceId ?? ''];
    // An endpoint's operations answer to faults on the web service and on the endpoint's service id.
    const epScopes = (req: StudioRequest, ctx: StudioContext): string[] => {
        const e = ctx.state.endpoints[endpointKey(req.params.workspaceId, req.params.webServiceId, req.params.name)];
        return e ? [req.params.webServiceId, e.serviceId] : [req.params.webServiceId];
    };
    const common = { apiVersion: 'none' as const };
    return [
        route('GET', base, {
            ...common,
            operation: 'listWebServices',
            auth: 'workspace',
            scopes: () => [],
            handle: (ctx, req) =>
                Promise.resolve(
                    json(
                        200,
                        ctx.seed.classicWebServices
                            .filter((w) => w.workspaceId === req.params.workspaceId)
                            .map((w) => webServiceBody(ctx, w)),
                    ),
                ),
        }),
        route('GET', `${base}/:webServiceId`, {
            ...common,
            operation: 'getWebService',
            auth: 'workspace',
            scopes: wsScopes,
            handle: (ctx, req) => Promise.resolve(json(200, webServiceBody(ctx, webService(ctx, req)))),
        }),
        route('GET', `${base}/:webServiceId/endpoints`, {
            ...common,
            operation: 'listEndpoints',
            auth: 'workspace',
            scopes: wsScopes,
            handle: (ctx, req) => {
                const ws = webService(ctx, req);
                return Promise.resolve(
                    json(
                        200,
                        endpointsOf(ctx, ws).map((e) => endpointBody(ctx, ws, e)),
                    ),
                );
            },
        }),
        route('GET', `${base}/:webServiceId/endpoints/:name`, {
            ...common,
            operation: 'getEndpoint',
            auth: 'workspaceOrEndpointKey',
            scopes: epScopes,
            handle: (ctx, req) =>
                Promise.resolve(json(200, endpointBody(ctx, webService(ctx, req), findEndpoint(ctx, req)))),
        }),
        route('PUT', `${base}/:webServiceId/endpoints/:name`, {
            ...common,
            operation: 'addEndpoint',
            auth: 'workspace',
            scopes: epScopes,
            handle: async (ctx, req) => json(200, endpointBody(ctx, webService(ctx, req), await addEndpoint(ctx, req))),
        }),
        route('PATCH', `${base}/:webServiceId/endpoints/:name`, {
            ...common,
            operation: 'patchEndpoint',
            auth: 'workspaceOrEndpointKey',
            scopes: epScopes,
            handle: async (ctx, req) => {
                await patchEndpoint(ctx, req);
                return json(204);
            },
        }),
        route('DELETE', `${base}/:webServiceId/endpoints/:name`, {
            ...common,
            operation: 'deleteEndpoint',
            auth: 'workspace',
            scopes: epScopes,
            handle: async (ctx, req) => {
                const ws = webService(ctx, req);
                const e = findEndpoint(ctx, req);
                if (e.isDefault)
                    throw Errors.badArgument(
                        'DefaultEndpointDeleteNotAllowed',
                        'The default endpoint cannot be deleted.',
                    );
                delete ctx.state.endpoints[endpointKey(ws.workspaceId, ws.id, e.name)];
                await ctx.persist();
                return json(204);
            },
        }),
    ];
}
