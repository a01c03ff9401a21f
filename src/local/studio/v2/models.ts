import type { StudioContext } from '../context';
import { Route, StudioRequest, json } from '../http';
import type { AzureMlWorkspaceSeed } from '../seed';
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
import { MODEL_FILE } from './jobs';
import type { V2ModelVersionRecord } from './state';

/** Fields of a model version that may change after it is created (AssetBase's mutable ones). */
const MUTABLE = ['description', 'tags', 'isArchived'] as const;

export function modelKey(w: { key: string }, name: string, version: string): string {
    return `${w.key}/models/${name}/versions/${version}`.toLowerCase();
}

/**
 * The `.ilearner` a model version's `modelUri` names: the file itself, or `model.ilearner` in
 * the folder (a command job's `model` output).
 */
export function modelFileUri(modelUri: string): string {
    return modelUri.endsWith('.ilearner') ? modelUri : `${modelUri.replace(/\/?$/, '/')}${MODEL_FILE}`;
}

/**
 * The model version a deployment's `model` names: an ARM id
 * (`/subscriptions/.../workspaces/{ws}/models/{name}/versions/{version}`) or `azureml:{name}:{version}`.
 */
export function findModelVersion(
    ctx: StudioContext,
    w: AzureMlWorkspaceSeed & { key: string },
    ref: string,
): V2ModelVersionRecord {
    const arm = /\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(ref);
    const short = /^azureml:([^:]+):([^:]+)$/.exec(ref);
    const [ws, name, version] = arm ? [arm[1], arm[2], arm[3]] : short ? [w.name, short[1], short[2]] : [];
    if (
        !name ||
        !version ||
        ws!.toLowerCase() !== w.name.toLowerCase() ||
        !ref.toLowerCase().startsWith(arm ? workspaceId(w).toLowerCase() : 'azureml:')
    ) {
        throw V2Errors.user(
            `Model '${ref}' is not a model version of workspace '${w.name}' (an ARM id or azureml:{name}:{version}).`,
        );
    }
    const record = v2State(ctx).models[modelKey(w, name, version)];
    if (!record) throw V2Errors.user(`Model version '${name}:${version}' does not exist.`, 'ModelNotFound');
    return record;
}

function getVersion(ctx: StudioContext, req: StudioRequest): V2ModelVersionRecord {
    const w = workspaceOf(ctx, req);
    const record = v2State(ctx).models[modelKey(w, req.params.name, req.params.version)];
    if (!record) throw V2Errors.notFound(`Model version '${req.params.name}:${req.params.version}'`);
    return record;
}

export function modelRoutes(): Route[] {
    const path = `${WORKSPACE_PATH}/models/:name/versions/:version`;
    const scopes = (req: StudioRequest): string[] => [req.params.name, req.params.workspaceName];
    return [
        v2Route({
            method: 'PUT',
            path,
            operationId: 'ModelVersions_CreateOrUpdate',
            operation: 'v2Model',
            scopes,
            handle: async (ctx, req) => {
                const w = workspaceOf(ctx, req);
                const props = structuredClone((req.body as Json).properties as Json);
                const key = modelKey(w, req.params.name, req.params.version);
                const existing = v2State(ctx).models[key];
                if (existing) {
                    const current = existing.resource.properties as Json;
                    for (const k of ['modelUri', 'modelType', 'jobName', 'flavors'] as const) {
                        if (k in props && JSON.stringify(props[k]) !== JSON.stringify(current[k])) {
                            throw V2Errors.user(
                                `Model version '${req.params.name}:${req.params.version}' exists; its ${k} cannot change.`,
                            );
                        }
                    }
                    for (const k of MUTABLE) if (k in props) current[k] = props[k];
                    existing.resource.systemData = systemData(ctx, existing.resource.systemData as Json);
                    await ctx.persist();
                    return json(200, existing.resource);
                }
                if (typeof props.modelUri !== 'string')
                    throw V2Errors.user('properties.modelUri is required by the emulator.');
                datastoreRef(ctx, w, modelFileUri(props.modelUri));
                const record: V2ModelVersionRecord = {
                    key,
                    resource: {
                        id: `${workspaceId(w)}/models/${req.params.name}/versions/${req.params.version}`,
                        name: req.params.version,
                        type: `${PROVIDER}/workspaces/models/versions`,
                        systemData: systemData(ctx),
                        properties: {
                            ...props,
                            isArchived: props.isArchived ?? false,
                            isAnonymous: props.isAnonymous ?? false,
                        },
                    },
                };
                v2State(ctx).models[key] = record;
                await ctx.persist();
                return json(201, record.resource);
            },
        }),
        v2Route({
            method: 'GET',
            path,
            operationId: 'ModelVersions_Get',
            operation: 'v2Model',
            scopes,
            handle: (ctx, req) => Promise.resolve(json(200, getVersion(ctx, req).resource)),
        }),
    ];
}
