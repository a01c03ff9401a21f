import { createHash, randomUUID } from 'node:crypto';

import { StudioContext, armKey } from '../context';
import { Errors } from '../errors';
import { Route, StudioRequest, json, route } from '../http';
import type { ArmWebServiceSeed } from '../seed';
import type { ArmOperationRecord, ArmServiceRecord } from '../state';
import { StorageAccessError, readModelBytes } from '../storage';
import { TrainingError, parseIlearner } from '../training';
import { trainedModelAsset } from './definition';
import { schemaProblems } from './schema';

type Json = Record<string, unknown>;
const SERVICE_PATH =
    '/subscriptions/:subscriptionId/resourceGroups/:resourceGroup/providers/Microsoft.MachineLearning/webServices/:name';

function seedOf(ctx: StudioContext, req: StudioRequest): ArmWebServiceSeed {
    const s = ctx.seed.armWebServices.find(
        (a) =>
            armKey(a.subscriptionId, a.resourceGroup, a.name) ===
            armKey(req.params.subscriptionId, req.params.resourceGroup, req.params.name),
    );
    if (!s) throw Errors.arm.notFound(req.params.name);
    return s;
}

function record(ctx: StudioContext, s: ArmWebServiceSeed): ArmServiceRecord {
    return ctx.state.armServices[armKey(s.subscriptionId, s.resourceGroup, s.name)];
}

/** GET never returns keys or the storage account key, as the real service does not. */
function publicView(definition: Json): Json {
    const copy = structuredClone(definition);
    const props = copy.properties as Json;
    delete props.keys;
    if (props.storageAccount) delete (props.storageAccount as Json).key;
    return copy;
}

function operationUrl(ctx: StudioContext, op: ArmOperationRecord): string {
    const location = op.location.replace(/\s+/g, '').toLowerCase();
    return `${ctx.baseUrl}/subscriptions/${op.subscriptionId}/providers/Microsoft.MachineLearning/locations/${location}/operationsStatus/${op.id}?api-version=2017-01-01`;
}

/**
 * ARM web service updates as long-running operations: the answer says Provisioning at once; the
 * operation then loads the new trained model and either switches the service to the new
 * definition (Succeeded) or leaves it as it was (Failed, with errorInfo).
 */
export class ArmOperations {
    private readonly running = new Set<Promise<void>>();
    private readonly controller = new AbortController();

    constructor(private readonly ctx: StudioContext) {}

    begin(op: ArmOperationRecord): void {
        const p = this.complete(op).finally(() => this.running.delete(p));
        this.running.add(p);
    }

    async close(): Promise<void> {
        this.controller.abort();
        await Promise.allSettled([...this.running]);
    }

    private async complete(op: ArmOperationRecord): Promise<void> {
        const ctx = this.ctx;
        const service = ctx.state.armServices[op.serviceKey];
        const scopes = [service.serviceId, (service.definition.name as string) ?? ''];
        try {
            await ctx.sleep(ctx.faults.behaviour(scopes, 'armOperationDurationInMs') ?? 50, this.controller.signal);
        } catch {
            return; // shutting down: the operation stays Provisioning and resumes on the next start
        }
        const seed = ctx.seed.armWebServices.find(
            (a) => armKey(a.subscriptionId, a.resourceGroup, a.name) === op.serviceKey,
        )!;
        let failure = ctx.faults.behaviour(scopes, 'armOperationFails');
        let model: { uri: string; sha256: string } | undefined;
        if (!failure) {
            const asset = trainedModelAsset(op.pending, seed.trainedModelName);
            if (typeof asset === 'string') failure = asset;
            else {
                try {
                    const bytes = await readModelBytes(asset.uri, ctx.storageConnectionString);
                    parseIlearner(bytes);
                    const sha256 = createHash('sha256').update(bytes).digest('hex');
                    await ctx.store.putModel(sha256, bytes);
                    model = { uri: asset.uri, sha256 };
                } catch (err) {
                    if (!(err instanceof StorageAccessError || err instanceof TrainingError)) throw err;
                    failure = `The trained model at '${asset.uri.split('?')[0]}' could not be loaded: ${err.message}`;
                }
            }
        }
        const now = ctx.now().toISOString();
        op.endTime = now;
        if (failure || !model) {
            op.status = 'Failed';
            op.error = { code: 'ProvisioningFailed', message: failure ?? 'The update failed.' };
            ctx.log(`ARM operation ${op.id} failed: ${op.error.message}`);
        } else {
            op.status = 'Succeeded';
            const next = structuredClone(op.pending);
            (next.properties as Json).provisioningState = 'Succeeded';
            (next.properties as Json).modifiedOn = now;
            service.definition = next;
            service.model = { ...model, boundAt: now };
            if (op.pendingKeys?.primary) service.keys.primary = op.pendingKeys.primary;
            if (op.pendingKeys?.secondary) service.keys.secondary = op.pendingKeys.secondary;
            ctx.log(`ARM web service ${String(next.name)} now serves ${model.uri.split('?')[0]}`);
        }
        op.pending = {};
        delete op.pendingKeys;
        await ctx.persist();
    }
}

function inProgress(ctx: StudioContext, key: string): boolean {
    return Object.values(ctx.state.armOperations).some((o) => o.serviceKey === key && o.status === 'Provisioning');
}

async function startUpdate(ctx: StudioContext, ops: ArmOperations, req: StudioRequest, next: Json): Promise<Json> {
    const s = seedOf(ctx, req);
    const rec = record(ctx, s);
    if ((rec.definition.properties as Json).readOnly === true) throw Errors.arm.readOnly(s.name);
    if (inProgress(ctx, rec.key)) throw Errors.arm.conflict(s.name);
    const problems = schemaProblems(next);
    if (problems.length > 0)
        throw Errors.arm.badRequest(`The web service definition is invalid: ${problems.join('; ')}`);
    const asset = trainedModelAsset(next, s.trainedModelName);
    if (typeof asset === 'string') throw Errors.arm.badRequest(`The web service definition is invalid: ${asset}`);
    const props = next.properties as Json;
    const keys = props.keys as { primary?: unknown; secondary?: unknown } | undefined;
    const pendingKeys = {
        primary: typeof keys?.primary === 'string' && keys.primary ? keys.primary : undefined,
        secondary: typeof keys?.secondary === 'string' && keys.secondary ? keys.secondary : undefined,
    };
    // The service owns identity, timestamps and state; a client's copies of them are ignored.
    const current = rec.definition;
    const pending = publicView({
        ...next,
        id: current.id,
        name: current.name,
        type: current.type,
        properties: {
            ...props,
            createdOn: (current.properties as Json).createdOn,
            modifiedOn: (current.properties as Json).modifiedOn,
            swaggerLocation: (current.properties as Json).swaggerLocation,
            provisioningState: 'Provisioning',
        },
    });
    const op: ArmOperationRecord = {
        id: randomUUID(),
        serviceKey: rec.key,
        location: String(current.location),
        subscriptionId: s.subscriptionId,
        status: 'Provisioning',
        startTime: ctx.now().toISOString(),
        pending,
        pendingKeys,
    };
    ctx.state.armOperations[op.id] = op;
    await ctx.persist();
    ops.begin(op);
    return { body: pending, headers: { 'Azure-AsyncOperation': operationUrl(ctx, op) } };
}

export function armRoutes(ops: ArmOperations): Route[] {
    // The web service name, then its service id (the scope of its RRS/BES calls).
    const scopes = (req: StudioRequest, ctx: StudioContext): string[] => {
        const a = ctx.state.armServices[armKey(req.params.subscriptionId, req.params.resourceGroup, req.params.name)];
        return a ? [req.params.name, a.serviceId] : [req.params.name];
    };
    const common = { auth: 'arm' as const, apiVersion: '2017-01-01' as const, scopes };
    const respond = (r: Json, status = 200) => json(status, r.body, r.headers as Record<string, string>);
    return [
        route('GET', SERVICE_PATH, {
            ...common,
            operation: 'armGet',
            handle: (ctx, req) => Promise.resolve(json(200, publicView(record(ctx, seedOf(ctx, req)).definition))),
        }),
        route('PUT', SERVICE_PATH, {
            ...common,
            operation: 'armPut',
            handle: async (ctx, req) => {
                if (typeof req.body !== 'object' || req.body === null)
                    throw Errors.arm.badRequest('The body must be a WebService object.');
                return respond(await startUpdate(ctx, ops, req, structuredClone(req.body as Json)));
            },
        }),
        route('PATCH', SERVICE_PATH, {
            ...common,
            operation: 'armPatch',
            handle: async (ctx, req) => {
                const patch = req.body as Json | null;
                if (typeof patch !== 'object' || patch === null)
                    throw Errors.arm.badRequest('The body must be a PatchedWebService object.');
                const current = structuredClone(record(ctx, seedOf(ctx, req)).definition);
                const merged: Json = {
                    ...current,
                    tags: patch.tags ?? current.tags,
                    properties: { ...(current.properties as Json), ...(patch.properties ?? {}) },
                };
                return respond(await startUpdate(ctx, ops, req, merged));
            },
        }),
        route('GET', `${SERVICE_PATH}/listKeys`, {
            ...common,
            operation: 'armListKeys',
            handle: (ctx, req) => Promise.resolve(json(200, { ...record(ctx, seedOf(ctx, req)).keys })),
        }),
        route(
            'GET',
            '/subscriptions/:subscriptionId/providers/Microsoft.MachineLearning/locations/:location/operationsStatus/:operationId',
            {
                auth: 'arm',
                apiVersion: '2017-01-01',
                operation: 'armOperation',
                // Faults scoped to a web service apply to polls of its operations too.
                scopes: (req, ctx) => {
                    const op = ctx.state.armOperations[req.params.operationId];
                    const service = op && ctx.state.armServices[op.serviceKey];
                    return service ? [String(service.definition.name), service.serviceId] : [];
                },
                handle: (ctx, req) => {
                    const op = ctx.state.armOperations[req.params.operationId];
                    if (!op || op.subscriptionId !== req.params.subscriptionId) {
                        throw Errors.arm.badRequest(`Operation '${req.params.operationId}' was not found.`);
                    }
                    const body: Json = {
                        id: `/subscriptions/${op.subscriptionId}/providers/Microsoft.MachineLearning/locations/${req.params.location}/operationsStatus/${op.id}`,
                        name: op.id,
                        provisioningState: op.status,
                        startTime: op.startTime,
                        percentComplete: op.status === 'Provisioning' ? 50 : 100,
                    };
                    if (op.endTime) body.endTime = op.endTime;
                    if (op.error) body.errorInfo = { code: op.error.code, message: op.error.message };
                    return Promise.resolve(json(200, body));
                },
            },
        ),
    ];
}
