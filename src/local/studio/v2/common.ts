import type { StudioContext } from '../context';
import { StudioError } from '../errors';
import type { Operation } from '../faults';
import { Route, StudioRequest, StudioResponse, route } from '../http';
import type { AzureMlWorkspaceSeed } from '../seed';
import type { BlobRef } from '../state';
import { AzureMlSpec } from './spec';
import { V2State, emptyV2State } from './state';

export type Json = Record<string, unknown>;

export const PROVIDER = 'Microsoft.MachineLearningServices';
export const WORKSPACE_PATH = `/subscriptions/:subscriptionId/resourceGroups/:resourceGroupName/providers/${PROVIDER}/workspaces/:workspaceName`;

export function v2State(ctx: StudioContext): V2State {
    return (ctx.state.azureml ??= emptyV2State());
}

/** Errors in the ARM ErrorResponse shape of `common-types/v3/types.json`. */
export const V2Errors = {
    /** Azure ML answers invalid input with code `UserError` (the spec's `default` ErrorResponse). */
    user: (message: string, detailCode = 'Validation') =>
        new StudioError(400, 'UserError', message, { code: detailCode }),
    notFound: (what: string) => new StudioError(404, 'ResourceNotFound', `${what} was not found.`),
    conflict: (message: string) => new StudioError(409, 'Conflict', message),
    invalidResponse: (operationId: string, problems: string[]) =>
        new StudioError(
            500,
            'InternalError',
            `Emulator bug: its ${operationId} response does not match the spec: ${problems.join('; ')}`,
        ),
};

export function workspaceKey(sub: string, rg: string, ws: string): string {
    return `${sub}/${rg}/${ws}`.toLowerCase();
}

/** The seeded workspace a request's path names; 404 (as ARM answers) when there is none. */
export function workspaceOf(ctx: StudioContext, req: StudioRequest): AzureMlWorkspaceSeed & { key: string } {
    const key = workspaceKey(req.params.subscriptionId, req.params.resourceGroupName, req.params.workspaceName);
    const w = ctx.seed.azureml.find((x) => workspaceKey(x.subscriptionId, x.resourceGroup, x.name) === key);
    if (!w) throw V2Errors.notFound(`Workspace '${req.params.workspaceName}'`);
    return { ...w, key };
}

export function workspaceId(w: AzureMlWorkspaceSeed): string {
    return `/subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/providers/${PROVIDER}/workspaces/${w.name}`;
}

/** ARM `systemData` for a resource created or modified now. */
export function systemData(ctx: StudioContext, previous?: Json): Json {
    const now = ctx.now().toISOString();
    return {
        createdAt: previous?.createdAt ?? now,
        createdBy: 'retrainer-emulator',
        createdByType: 'Application',
        lastModifiedAt: now,
        lastModifiedBy: 'retrainer-emulator',
        lastModifiedByType: 'Application',
    };
}

/**
 * A datastore URI (`azureml://datastores/{name}/paths/{path}`) as a blob reference in the
 * emulator's storage; the datastore names a container in the seed. Throws a 400 UserError.
 */
export function datastoreRef(ctx: StudioContext, w: AzureMlWorkspaceSeed, uri: string): BlobRef {
    const m = /^azureml:\/\/datastores\/([^/]+)\/paths\/(.+)$/.exec(uri);
    if (!m) throw V2Errors.user(`'${uri}' is not a datastore URI (azureml://datastores/{name}/paths/{path}).`);
    const container = w.datastores[m[1]];
    if (!container) throw V2Errors.user(`Datastore '${m[1]}' does not exist in workspace '${w.name}'.`);
    return { ConnectionString: ctx.storageConnectionString, RelativeLocation: `${container}/${m[2]}` };
}

export interface V2RouteOptions {
    method: string;
    path: string;
    operationId: string;
    operation: Operation;
    scopes?: (req: StudioRequest, ctx: StudioContext) => string[];
    handle: (ctx: StudioContext, req: StudioRequest) => Promise<StudioResponse>;
}

/**
 * An ARM route of the v2 surface, checked against the spec both ways: the path names and the
 * request body (400 UserError listing every problem, as the service rejects what it cannot
 * accept), then the emulator's own answer (500 naming the mismatch: a bug in the emulator must
 * not pass for the real contract).
 */
export function v2Route(o: V2RouteOptions): Route {
    return route(o.method, o.path, {
        auth: 'arm',
        apiVersion: '2022-10-01',
        operation: o.operation,
        scopes: o.scopes ?? ((req) => [req.params.workspaceName ?? '']),
        handle: async (ctx, req) => {
            const spec = AzureMlSpec.load();
            const problems = [...spec.validatePath(o.operationId, req.params)];
            const hasBody = spec.operation(o.operationId).requestSchema !== undefined;
            if (hasBody || req.body !== undefined) problems.push(...spec.validateRequest(o.operationId, req.body));
            if (problems.length > 0) {
                throw V2Errors.user(`The request does not match the API (2022-10-01): ${problems.join('; ')}`);
            }
            let response: StudioResponse;
            try {
                response = await o.handle(ctx, req);
            } catch (err) {
                if (err instanceof StudioError) {
                    const bad = spec.validateResponse(o.operationId, err.status, err.body());
                    if (bad.length > 0) throw V2Errors.invalidResponse(o.operationId, bad);
                }
                throw err;
            }
            const bad = spec.validateResponse(o.operationId, response.status, response.body);
            if (bad.length > 0) throw V2Errors.invalidResponse(o.operationId, bad);
            return response;
        },
    });
}
