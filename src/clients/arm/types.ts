/**
 * The parts of `Microsoft.MachineLearning/webServices` (2017-01-01) the client reads. Everything
 * else in a definition is carried through untouched (index signatures), because PUT overwrites
 * the whole resource.
 */
export interface BlobLocationInfo {
    uri: string;
    /** Possibly a secret; never logged. */
    credentials?: string;
    [k: string]: unknown;
}

export interface AssetItem {
    name: string;
    type: string;
    locationInfo: BlobLocationInfo;
    [k: string]: unknown;
}

export interface WebServiceProperties {
    packageType: string;
    provisioningState?: string;
    readOnly?: boolean;
    payloadsInBlobStorage?: boolean;
    assets?: Record<string, AssetItem>;
    [k: string]: unknown;
}

export interface ArmWebService {
    id?: string;
    name?: string;
    type?: string;
    location: string;
    tags?: Record<string, string>;
    properties: WebServiceProperties;
    [k: string]: unknown;
}

export type OperationState = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface AsyncOperationStatus {
    /** Normalised: anything not terminal is `InProgress` (ARM emits `Provisioning`, `Running`...). */
    status: OperationState;
    /** As the service sent it. */
    provisioningState: string;
    percentComplete?: number;
    error?: { code?: string; message?: string };
}

export interface WebServiceKeys {
    primary?: string;
    secondary?: string;
}

export interface UpdateTrainedModelResult {
    webServiceName: string;
    previousUri: string;
    newUri: string;
    /** False only when the asset already pointed at `newUri` and nothing was sent. */
    updated: boolean;
}
