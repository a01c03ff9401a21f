import { createHash, randomBytes, randomUUID } from 'node:crypto';

import type { StudioContext } from '../context';
import { Route, StudioRequest, json, route } from '../http';
import { StorageAccessError, blobFor } from '../storage';
import { TrainingError, parseIlearner } from '../training';
import {
    Json,
    PROVIDER,
    V2Errors,
    WORKSPACE_PATH,
    datastoreRef,
    systemData,
    v2Route,
    v2State,
    workspaceId,
    workspaceOf,
} from './common';
import { jobCancelResult } from './jobs';
import { findModelVersion, modelFileUri } from './models';
import type { V2DeploymentRecord, V2EndpointRecord, V2OperationRecord } from './state';

type Workspace = ReturnType<typeof workspaceOf>;

export function endpointKey(w: { key: string }, name: string): string {
    return `${w.key}/onlineendpoints/${name}`.toLowerCase();
}

export function deploymentKey(endpoint: string, name: string): string {
    return `${endpoint}/deployments/${name}`.toLowerCase();
}

export function deploymentsOf(ctx: StudioContext, endpoint: string): V2DeploymentRecord[] {
    return Object.values(v2State(ctx).deployments).filter((d) => d.endpointKey === endpoint);
}

const props = (r: { resource: Json }): Json => r.resource.properties as Json;

function busy(ctx: StudioContext, target: string): boolean {
    return Object.values(v2State(ctx).operations).some((o) => o.target === target && o.status === 'InProgress');
}

function operationUrls(ctx: StudioContext, op: V2OperationRecord): Record<string, string> {
    const base = `${ctx.baseUrl}/subscriptions/${op.subscriptionId}/providers/${PROVIDER}/locations/${op.location}`;
    return {
        'Azure-AsyncOperation': `${base}/mfeOperationsStatus/${op.id}?api-version=2022-10-01`,
        Location: `${base}/mfeOperationResults/${op.id}?api-version=2022-10-01`,
    };
}

/**
 * The traffic rules the service enforces on an endpoint's `traffic` map, checked on every
 * endpoint PUT; each rule and its source is listed in docs/studio-emulator.md.
 */
export function trafficProblems(ctx: StudioContext, endpoint: string, traffic: Record<string, unknown>): string[] {
    const problems: string[] = [];
    const deployments = new Map(deploymentsOf(ctx, endpoint).map((d) => [String(d.resource.name).toLowerCase(), d]));
    let sum = 0;
    for (const [name, value] of Object.entries(traffic)) {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
            problems.push(`traffic of '${name}' must be an integer from 0 to 100 (found ${JSON.stringify(value)})`);
            continue;
        }
        sum += value;
        const d = deployments.get(name.toLowerCase());
        if (!d) {
            problems.push(`traffic names deployment '${name}', which does not exist under this endpoint`);
            continue;
        }
        const state = props(d).provisioningState;
        if (value > 0 && state !== 'Succeeded') {
            problems.push(`deployment '${name}' is ${String(state)}; only a Succeeded deployment may receive traffic`);
        }
    }
    if (problems.length === 0 && sum !== 100 && sum !== 0) {
        problems.push(`the traffic values must sum to 100 (or 0 to send no traffic); they sum to ${sum}`);
    }
    return problems;
}

/** Fault scopes of an operation: `{endpoint}/{deployment}` then the endpoint, by name. */
function operationScopes(ctx: StudioContext, op: V2OperationRecord): string[] {
    const s = v2State(ctx);
    if (op.kind === 'putDeployment' || op.kind === 'deleteDeployment') {
        const d = s.deployments[op.target];
        const e = d && s.endpoints[d.endpointKey];
        return d && e ? [`${String(e.resource.name)}/${String(d.resource.name)}`, String(e.resource.name)] : [];
    }
    const e = s.endpoints[op.target];
    return e ? [String(e.resource.name)] : [];
}

/**
 * Endpoint and deployment changes as long-running operations: the PUT/DELETE answers at once
 * with the provisioning state (Creating, Updating, Deleting) and an `Azure-AsyncOperation` to
 * poll; the change takes effect when the operation ends Succeeded. A failed update leaves what
 * was served before.
 */
export class V2Operations {
    private readonly running = new Set<Promise<void>>();
    private readonly controller = new AbortController();

    constructor(private readonly ctx: StudioContext) {}

    begin(op: V2OperationRecord): void {
        const p = this.complete(op).finally(() => this.running.delete(p));
        this.running.add(p);
    }

    async close(): Promise<void> {
        this.controller.abort();
        await Promise.allSettled([...this.running]);
    }

    private async complete(op: V2OperationRecord): Promise<void> {
        const ctx = this.ctx;
        const scopes = operationScopes(ctx, op);
        try {
            await ctx.sleep(ctx.faults.behaviour(scopes, 'v2OperationDurationInMs') ?? 50, this.controller.signal);
        } catch {
            return; // shutting down: stays InProgress and resumes on the next start
        }
        const s = v2State(ctx);
        let failure = op.kind.startsWith('delete') ? undefined : ctx.faults.behaviour(scopes, 'v2OperationFails');
        const now = ctx.now().toISOString();
        if (op.kind === 'putDeployment') {
            const d = s.deployments[op.target];
            let sha256: string | undefined;
            if (!failure && d) {
                try {
                    const w = ctx.seed.azureml.find((x) =>
                        d.endpointKey.startsWith(`${x.subscriptionId}/${x.resourceGroup}/${x.name}/`.toLowerCase()),
                    )!;
                    const bytes = await blobFor(datastoreRef(ctx, w, op.modelUri!)).downloadToBuffer();
                    parseIlearner(bytes);
                    sha256 = createHash('sha256').update(bytes).digest('hex');
                    await ctx.store.putModel(sha256, bytes);
                } catch (err) {
                    const known =
                        err instanceof StorageAccessError ||
                        err instanceof TrainingError ||
                        (err instanceof Error && 'statusCode' in err);
                    // Anything else is the emulator's own fault: the operation still ends (Failed), never hangs.
                    if (!known)
                        ctx.log(
                            `azureml operation ${op.id} internal error: ${err instanceof Error ? err.name : 'unknown'}`,
                        );
                    failure = known
                        ? `The model at '${op.modelUri}' could not be loaded: ${err.message.split('\n')[0]}`
                        : 'The deployment failed with an internal error.';
                }
            }
            if (d) {
                if (failure || !sha256) {
                    // A failed create leaves a Failed deployment; a failed update keeps serving the old model.
                    d.resource = {
                        ...(op.previous ?? op.pending!),
                        properties: {
                            ...((op.previous ?? op.pending!).properties as Json),
                            provisioningState: 'Failed',
                        },
                    };
                } else {
                    d.resource = {
                        ...op.pending!,
                        systemData: systemData(ctx, d.resource.systemData as Json),
                        properties: { ...(op.pending!.properties as Json), provisioningState: 'Succeeded' },
                    };
                    d.modelSha256 = sha256;
                }
            }
        } else if (op.kind === 'putEndpoint') {
            const e = s.endpoints[op.target];
            if (e) {
                const problems = failure
                    ? []
                    : trafficProblems(ctx, e.key, ((op.pending!.properties as Json).traffic ?? {}) as Json);
                // A deployment may have changed since the PUT was accepted; the map must still hold.
                if (problems.length > 0) failure = `The traffic cannot be applied: ${problems.join('; ')}`;
                const next = failure ? (op.previous ?? op.pending!) : op.pending!;
                e.resource = {
                    ...next,
                    systemData: systemData(ctx, e.resource.systemData as Json),
                    properties: { ...(next.properties as Json), provisioningState: failure ? 'Failed' : 'Succeeded' },
                };
            }
        } else if (op.kind === 'deleteDeployment') {
            const d = s.deployments[op.target];
            const e = d && s.endpoints[d.endpointKey];
            // A deleted deployment leaves the traffic map (only 0% entries can name it: a share blocks the delete).
            if (e) {
                const traffic = { ...((props(e).traffic ?? {}) as Record<string, number>) };
                for (const name of Object.keys(traffic)) {
                    if (name.toLowerCase() === String(d.resource.name).toLowerCase()) delete traffic[name];
                }
                e.resource = { ...e.resource, properties: { ...props(e), traffic } };
            }
            delete s.deployments[op.target];
        } else {
            for (const d of deploymentsOf(ctx, op.target)) delete s.deployments[d.key];
            delete s.endpoints[op.target];
        }
        op.endTime = now;
        op.status = failure ? 'Failed' : 'Succeeded';
        if (failure) {
            op.error = { code: 'DeploymentFailed', message: failure };
            ctx.log(`azureml operation ${op.id} (${op.kind}) failed: ${failure}`);
        }
        delete op.pending;
        delete op.previous;
        await ctx.persist();
    }
}

function getEndpoint(ctx: StudioContext, req: StudioRequest): { w: Workspace; e: V2EndpointRecord } {
    const w = workspaceOf(ctx, req);
    const e = v2State(ctx).endpoints[endpointKey(w, req.params.endpointName)];
    if (!e) throw V2Errors.notFound(`Online endpoint '${req.params.endpointName}'`);
    return { w, e };
}

function getDeployment(ctx: StudioContext, req: StudioRequest): V2DeploymentRecord {
    const { e } = getEndpoint(ctx, req);
    const d = v2State(ctx).deployments[deploymentKey(e.key, req.params.deploymentName)];
    if (!d) throw V2Errors.notFound(`Online deployment '${req.params.deploymentName}'`);
    return d;
}

function newOperation(
    ctx: StudioContext,
    w: Workspace,
    kind: V2OperationRecord['kind'],
    target: string,
): V2OperationRecord {
    return {
        id: randomUUID(),
        kind,
        target,
        subscriptionId: w.subscriptionId,
        location: w.location.replace(/\s+/g, '').toLowerCase(),
        status: 'InProgress',
        startTime: ctx.now().toISOString(),
    };
}

/** Marks a resource Updating, keeping what it was: a failed operation puts it back. */
function markUpdating(op: V2OperationRecord, existing: { resource: Json }): void {
    op.previous = existing.resource;
    existing.resource = { ...existing.resource, properties: { ...props(existing), provisioningState: 'Updating' } };
}

/** Records the operation, saves the state, then runs it; the caller answers with its status URL. */
async function launch(ctx: StudioContext, ops: V2Operations, op: V2OperationRecord): Promise<void> {
    v2State(ctx).operations[op.id] = op;
    await ctx.persist();
    ops.begin(op);
}

export function scoringUri(ctx: StudioContext, w: Workspace, endpoint: string): string {
    return `${ctx.baseUrl}/inference/${w.subscriptionId}/${w.resourceGroup}/${w.name}/${endpoint}/score`;
}

/** The endpoint as GET returns it: `keys` always null (they come from listKeys), as the spec says. */
function endpointView(resource: Json): Json {
    return { ...resource, properties: { ...(resource.properties as Json), keys: null } };
}

export function endpointRoutes(ops: V2Operations): Route[] {
    const epPath = `${WORKSPACE_PATH}/onlineEndpoints/:endpointName`;
    const depPath = `${epPath}/deployments/:deploymentName`;
    const epScopes = (req: StudioRequest): string[] => [req.params.endpointName, req.params.workspaceName];
    const depScopes = (req: StudioRequest): string[] => [
        `${req.params.endpointName}/${req.params.deploymentName}`,
        req.params.endpointName,
        req.params.workspaceName,
    ];
    return [
        v2Route({
            method: 'PUT',
            path: epPath,
            operationId: 'OnlineEndpoints_CreateOrUpdate',
            operation: 'v2Endpoint',
            scopes: epScopes,
            handle: async (ctx, req) => {
                const w = workspaceOf(ctx, req);
                const body = structuredClone(req.body as Json);
                const p = body.properties as Json;
                const key = endpointKey(w, req.params.endpointName);
                const existing = v2State(ctx).endpoints[key];
                if (p.authMode !== 'Key')
                    throw V2Errors.user(`The emulator supports authMode 'Key' only (found '${String(p.authMode)}').`);
                if (existing && busy(ctx, key)) {
                    throw V2Errors.conflict(
                        `Online endpoint '${req.params.endpointName}' has an operation in progress; retry when it ends.`,
                    );
                }
                if (
                    existing &&
                    String(body.location).replace(/\s+/g, '').toLowerCase() !==
                        String(existing.resource.location).replace(/\s+/g, '').toLowerCase()
                ) {
                    throw V2Errors.user('The location of an online endpoint cannot change.');
                }
                const traffic = (p.traffic ?? {}) as Json;
                const problems = trafficProblems(ctx, key, traffic);
                if (problems.length > 0)
                    throw V2Errors.user(`Invalid traffic: ${problems.join('; ')}`, 'InvalidTraffic');
                const keys = p.keys as { primaryKey?: string | null; secondaryKey?: string | null } | null | undefined;
                const next: Json = {
                    id: `${workspaceId(w)}/onlineEndpoints/${req.params.endpointName}`,
                    name: req.params.endpointName,
                    type: `${PROVIDER}/workspaces/onlineEndpoints`,
                    location: body.location,
                    tags: body.tags ?? {},
                    ...(body.identity ? { identity: body.identity } : {}),
                    ...(body.kind ? { kind: body.kind } : {}),
                    ...(body.sku ? { sku: body.sku } : {}),
                    systemData: systemData(ctx, existing?.resource.systemData as Json | undefined),
                    properties: {
                        ...p,
                        keys: null,
                        traffic,
                        publicNetworkAccess: p.publicNetworkAccess ?? 'Enabled',
                        scoringUri: scoringUri(ctx, w, req.params.endpointName),
                        swaggerUri: scoringUri(ctx, w, req.params.endpointName).replace(/score$/, 'swagger.json'),
                        provisioningState: existing ? 'Updating' : 'Creating',
                    },
                };
                const op = newOperation(ctx, w, 'putEndpoint', key);
                op.pending = next;
                if (existing) {
                    markUpdating(op, existing);
                } else {
                    v2State(ctx).endpoints[key] = {
                        key,
                        workspaceKey: w.key,
                        resource: next,
                        keys: {
                            primaryKey: keys?.primaryKey ?? randomBytes(24).toString('base64url'),
                            secondaryKey: keys?.secondaryKey ?? randomBytes(24).toString('base64url'),
                        },
                    };
                }
                await launch(ctx, ops, op);
                return json(existing ? 200 : 201, endpointView(next), {
                    'Azure-AsyncOperation': operationUrls(ctx, op)['Azure-AsyncOperation'],
                });
            },
        }),
        v2Route({
            method: 'GET',
            path: epPath,
            operationId: 'OnlineEndpoints_Get',
            operation: 'v2Endpoint',
            scopes: epScopes,
            handle: (ctx, req) => Promise.resolve(json(200, endpointView(getEndpoint(ctx, req).e.resource))),
        }),
        v2Route({
            method: 'DELETE',
            path: epPath,
            operationId: 'OnlineEndpoints_Delete',
            operation: 'v2Endpoint',
            scopes: epScopes,
            handle: async (ctx, req) => {
                const w = workspaceOf(ctx, req);
                const e = v2State(ctx).endpoints[endpointKey(w, req.params.endpointName)];
                if (!e) return json(204);
                if (busy(ctx, e.key))
                    throw V2Errors.conflict(
                        `Online endpoint '${req.params.endpointName}' has an operation in progress.`,
                    );
                e.resource = { ...e.resource, properties: { ...props(e), provisioningState: 'Deleting' } };
                const op = newOperation(ctx, w, 'deleteEndpoint', e.key);
                await launch(ctx, ops, op);
                return json(202, undefined, operationUrls(ctx, op));
            },
        }),
        v2Route({
            method: 'POST',
            path: `${epPath}/listKeys`,
            operationId: 'OnlineEndpoints_ListKeys',
            operation: 'v2ListKeys',
            scopes: epScopes,
            handle: (ctx, req) => Promise.resolve(json(200, { ...getEndpoint(ctx, req).e.keys })),
        }),
        v2Route({
            method: 'PUT',
            path: depPath,
            operationId: 'OnlineDeployments_CreateOrUpdate',
            operation: 'v2Deployment',
            scopes: depScopes,
            handle: async (ctx, req) => {
                const { w, e } = getEndpoint(ctx, req);
                const body = structuredClone(req.body as Json);
                const p = body.properties as Json;
                if (p.endpointComputeType !== 'Managed') {
                    throw V2Errors.user(
                        `The emulator supports managed online deployments only (endpointComputeType '${String(p.endpointComputeType)}').`,
                    );
                }
                if (props(e).provisioningState !== 'Succeeded' && props(e).provisioningState !== 'Updating') {
                    throw V2Errors.conflict(
                        `Online endpoint '${req.params.endpointName}' is ${String(props(e).provisioningState)}; deployments can be added once it has Succeeded.`,
                    );
                }
                const key = deploymentKey(e.key, req.params.deploymentName);
                const existing = v2State(ctx).deployments[key];
                if (existing && busy(ctx, key)) {
                    throw V2Errors.conflict(
                        `Online deployment '${req.params.deploymentName}' has an operation in progress; retry when it ends.`,
                    );
                }
                if (typeof p.model !== 'string') throw V2Errors.user('properties.model must name a model version.');
                const model = findModelVersion(ctx, w, p.model);
                const next: Json = {
                    id: `${workspaceId(w)}/onlineEndpoints/${req.params.endpointName}/deployments/${req.params.deploymentName}`,
                    name: req.params.deploymentName,
                    type: `${PROVIDER}/workspaces/onlineEndpoints/deployments`,
                    location: body.location,
                    tags: body.tags ?? {},
                    ...(body.sku ? { sku: body.sku } : {}),
                    ...(body.kind ? { kind: body.kind } : {}),
                    systemData: systemData(ctx, existing?.resource.systemData as Json | undefined),
                    properties: { ...p, provisioningState: existing ? 'Updating' : 'Creating' },
                };
                const op = newOperation(ctx, w, 'putDeployment', key);
                op.pending = next;
                op.modelUri = modelFileUri(String((model.resource.properties as Json).modelUri));
                if (existing) {
                    markUpdating(op, existing);
                } else {
                    v2State(ctx).deployments[key] = { key, endpointKey: e.key, resource: next };
                }
                await launch(ctx, ops, op);
                return json(existing ? 200 : 201, next, {
                    'Azure-AsyncOperation': operationUrls(ctx, op)['Azure-AsyncOperation'],
                });
            },
        }),
        v2Route({
            method: 'GET',
            path: depPath,
            operationId: 'OnlineDeployments_Get',
            operation: 'v2Deployment',
            scopes: depScopes,
            handle: (ctx, req) => Promise.resolve(json(200, getDeployment(ctx, req).resource)),
        }),
        v2Route({
            method: 'DELETE',
            path: depPath,
            operationId: 'OnlineDeployments_Delete',
            operation: 'v2Deployment',
            scopes: depScopes,
            handle: async (ctx, req) => {
                const { w, e } = getEndpoint(ctx, req);
                const d = v2State(ctx).deployments[deploymentKey(e.key, req.params.deploymentName)];
                if (!d) return json(204);
                const share = Object.entries((props(e).traffic ?? {}) as Record<string, number>).find(
                    ([name]) => name.toLowerCase() === req.params.deploymentName.toLowerCase(),
                )?.[1];
                if (share !== undefined && share > 0) {
                    throw V2Errors.user(
                        `Online deployment '${req.params.deploymentName}' receives ${share}% of the endpoint's traffic; set its traffic to 0 before deleting it.`,
                        'DeploymentHasTraffic',
                    );
                }
                if (busy(ctx, d.key) || busy(ctx, e.key)) {
                    throw V2Errors.conflict(
                        `An operation on '${req.params.deploymentName}' or its endpoint is in progress.`,
                    );
                }
                d.resource = { ...d.resource, properties: { ...props(d), provisioningState: 'Deleting' } };
                const op = newOperation(ctx, w, 'deleteDeployment', d.key);
                await launch(ctx, ops, op);
                return json(202, undefined, operationUrls(ctx, op));
            },
        }),
        route(
            'GET',
            `/subscriptions/:subscriptionId/providers/${PROVIDER}/locations/:location/mfeOperationsStatus/:operationId`,
            {
                auth: 'arm',
                apiVersion: '2022-10-01',
                operation: 'v2Operation',
                scopes: (req, ctx) => {
                    const op = v2State(ctx).operations[req.params.operationId];
                    return op ? operationScopes(ctx, op) : [];
                },
                handle: (ctx, req) => {
                    const op = v2State(ctx).operations[req.params.operationId];
                    if (!op || op.subscriptionId !== req.params.subscriptionId)
                        throw V2Errors.notFound(`Operation '${req.params.operationId}'`);
                    const body: Json = {
                        id: `/subscriptions/${op.subscriptionId}/providers/${PROVIDER}/locations/${op.location}/mfeOperationsStatus/${op.id}`,
                        name: op.id,
                        status: op.status,
                        startTime: op.startTime,
                        percentComplete: op.status === 'InProgress' ? 50 : 100,
                    };
                    if (op.endTime) body.endTime = op.endTime;
                    if (op.error) body.error = op.error;
                    return Promise.resolve(json(200, body));
                },
            },
        ),
        route(
            'GET',
            `/subscriptions/:subscriptionId/providers/${PROVIDER}/locations/:location/mfeOperationResults/:operationId`,
            {
                auth: 'arm',
                apiVersion: '2022-10-01',
                operation: 'v2Operation',
                scopes: () => [],
                handle: (ctx, req) => {
                    const id = req.params.operationId;
                    if (id.startsWith('jobcancel:')) {
                        const r = jobCancelResult(ctx, id.slice('jobcancel:'.length));
                        if (!r) throw V2Errors.notFound(`Operation '${id}'`);
                        return Promise.resolve(json(r.status));
                    }
                    const op = v2State(ctx).operations[id];
                    if (!op || op.subscriptionId !== req.params.subscriptionId)
                        throw V2Errors.notFound(`Operation '${id}'`);
                    if (op.status === 'InProgress')
                        return Promise.resolve(json(202, undefined, { ...operationUrls(ctx, op), 'Retry-After': '1' }));
                    if (op.status === 'Failed')
                        throw V2Errors.user(op.error?.message ?? 'The operation failed.', op.error?.code);
                    return Promise.resolve(json(op.kind.startsWith('delete') ? 204 : 200));
                },
            },
        ),
    ];
}
