import { MlServiceError } from '../errors';
import type { ArmWebService, AssetItem } from './types';

const OPERATION = 'ARM updateTrainedModel';

/** Finds the one `Resource` asset named `trainedModelName`; names the candidates when it cannot. */
export function findTrainedModelAsset(ws: ArmWebService, trainedModelName: string): [string, AssetItem] {
    const assets = Object.entries(ws.properties.assets ?? {});
    const resources = assets.filter(([, a]) => a.type?.toLowerCase() === 'resource');
    const matches = resources.filter(([, a]) => a.name === trainedModelName);
    if (matches.length === 1 && matches[0]) return matches[0];
    const names = resources.map(([, a]) => `'${a.name}'`).join(', ') || 'none';
    throw new MlServiceError({
        operation: OPERATION,
        code: matches.length === 0 ? 'TrainedModelAssetNotFound' : 'AmbiguousTrainedModelAsset',
        detail:
            matches.length === 0
                ? `web service '${ws.name ?? '?'}' has no Resource asset named '${trainedModelName}' (Resource assets: ${names})`
                : `web service '${ws.name ?? '?'}' has ${matches.length} Resource assets named '${trainedModelName}'`,
    });
}

/** Fields the spec marks readOnly: the service sets them, a PUT body should not carry them. */
const READ_ONLY_TOP = ['id', 'name', 'type'] as const;
const READ_ONLY_PROPERTIES = ['createdOn', 'modifiedOn', 'provisioningState', 'swaggerLocation'] as const;

/**
 * The PUT body: the whole definition as read, minus read-only fields, with the trained-model
 * asset's uri swapped. A deep copy, so the caller's object is untouched.
 */
export function withTrainedModelUri(ws: ArmWebService, assetId: string, newUri: string): ArmWebService {
    const copy = structuredClone(ws);
    for (const k of READ_ONLY_TOP) delete copy[k];
    for (const k of READ_ONLY_PROPERTIES) delete copy.properties[k];
    const asset = copy.properties.assets?.[assetId];
    if (!asset) throw new RangeError(`asset ${assetId} vanished from the copy`);
    asset.locationInfo = { ...asset.locationInfo, uri: newUri };
    return copy;
}

export function assertUpdatable(ws: ArmWebService): void {
    if (ws.properties.readOnly === true) {
        throw new MlServiceError({
            operation: OPERATION,
            code: 'WebServiceReadOnly',
            detail: `web service '${ws.name ?? '?'}' is readOnly and can never be updated`,
        });
    }
    if (ws.properties.payloadsInBlobStorage === true) {
        // Assets then live in a blob at payloadsLocation; rewriting that blob is not implemented.
        throw new MlServiceError({
            operation: OPERATION,
            code: 'PayloadsInBlobStorageNotSupported',
            detail: `web service '${ws.name ?? '?'}' keeps its payload in blob storage; updating it is not supported`,
        });
    }
}
