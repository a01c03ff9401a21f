/**
 * The Azure ML v2 surface's persisted state. Resources are kept as the spec's GET bodies (so what
 * is stored is what is served), keyed by `{subscription}/{resourceGroup}/{workspace}/...` in
 * lower case, as ARM names are case-insensitive.
 */
type Json = Record<string, unknown>;

export interface V2JobRecord {
    key: string;
    workspaceKey: string;
    /** The JobBaseResource as GET returns it; `properties.status` is the job's status. */
    resource: Json;
    /** Set by a cancel request; the runner stops the job and sets Canceled. */
    cancelRequested?: boolean;
}

export interface V2ModelVersionRecord {
    key: string;
    resource: Json;
}

export interface V2EndpointRecord {
    key: string;
    workspaceKey: string;
    resource: Json;
    keys: { primaryKey: string; secondaryKey: string };
}

export interface V2DeploymentRecord {
    key: string;
    endpointKey: string;
    resource: Json;
    /** SHA-256 of the `.ilearner` this deployment serves (in the state store), once provisioned. */
    modelSha256?: string;
}

/** An `Azure-AsyncOperation`: its target, and what takes effect when it succeeds. */
export interface V2OperationRecord {
    id: string;
    kind: 'putEndpoint' | 'deleteEndpoint' | 'putDeployment' | 'deleteDeployment';
    /** The endpoint or deployment key. */
    target: string;
    subscriptionId: string;
    location: string;
    status: 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';
    startTime: string;
    endTime?: string;
    error?: { code: string; message: string };
    /** The resource as it will read on success (putEndpoint: the new traffic map, putDeployment: the new model). */
    pending?: Json;
    /** What the resource read before (restored on failure of an update). */
    previous?: Json;
    /** putDeployment: the model version's `.ilearner` location to load. */
    modelUri?: string;
}

export interface V2State {
    jobs: Record<string, V2JobRecord>;
    models: Record<string, V2ModelVersionRecord>;
    endpoints: Record<string, V2EndpointRecord>;
    deployments: Record<string, V2DeploymentRecord>;
    operations: Record<string, V2OperationRecord>;
}

export function emptyV2State(): V2State {
    return { jobs: {}, models: {}, endpoints: {}, deployments: {}, operations: {} };
}
