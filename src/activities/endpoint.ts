import { BlobLocation } from '../clients';
import type { ModelLocation } from '../orchestrators/contracts';
import type { TargetConfig } from '../retraining/config';
import { ActivityDeps } from './deps';
import { blobSas } from './sas';

/** A model SAS only has to outlive the service's copy of the blob at update time. */
const MODEL_SAS_VALIDITY_IN_MS = 60 * 60_000;

/** What the target's scoring endpoint serves now, as the service reports it (null: nothing bound). */
export async function currentModel(deps: ActivityDeps, target: TargetConfig): Promise<ModelLocation | null> {
    const update = target.update;
    if (update.kind === 'classic') {
        const endpoint = await deps.classic(target).getEndpoint(update.endpointName);
        const loc = endpoint.Resources?.find((r) => r.Name === update.trainedModelName)?.Location;
        return loc?.BaseLocation && loc.RelativeLocation
            ? { baseLocation: loc.BaseLocation, relativeLocation: loc.RelativeLocation }
            : null;
    }
    if (update.kind !== 'arm')
        throw new TypeError(`target '${target.name}' has no web service model (kind '${update.kind}')`);
    const uri = await deps.arm(target).getTrainedModelUri(update.webServiceName, update.trainedModelName);
    return uri ? locationOfUri(uri) : null;
}

/**
 * Points the endpoint at a model and confirms by reading it back: a classic PATCH with a read SAS
 * for exactly that blob, or the ARM definition update followed to completion.
 */
export async function applyModel(deps: ActivityDeps, target: TargetConfig, model: ModelLocation): Promise<void> {
    const update = target.update;
    const location = new BlobLocation(model.baseLocation, model.relativeLocation);
    if (update.kind === 'classic') {
        const sas = await blobSas(
            deps.blobs,
            location.container,
            location.blobName,
            'r',
            deps.now(),
            MODEL_SAS_VALIDITY_IN_MS,
        );
        const client = deps.classic(target);
        const withSas = new BlobLocation(model.baseLocation, model.relativeLocation, sas);
        await client.updateTrainedModel(update.endpointName, update.trainedModelName, withSas);
        const check = await client.confirmTrainedModel(update.endpointName, update.trainedModelName, location);
        if (!check.confirmed)
            throw new Error(`Endpoint '${update.endpointName}' does not report the new model after the update.`);
        return;
    }
    if (update.kind !== 'arm')
        throw new TypeError(`target '${target.name}' has no web service model (kind '${update.kind}')`);
    const poller = await deps
        .arm(target)
        .beginUpdateTrainedModel(update.webServiceName, update.trainedModelName, location.uri(), {
            updateIntervalInMs: update.pollIntervalInMs,
        });
    await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(update.timeoutInMs) });
}

export function locationOfUri(uri: string): ModelLocation {
    const u = new URL(uri);
    return { baseLocation: `${u.origin}/`, relativeLocation: decodeURIComponent(u.pathname.slice(1)) };
}

export function sameModel(a: ModelLocation | null, b: ModelLocation | null): boolean {
    if (!a || !b) return a === b;
    return (
        new BlobLocation(a.baseLocation, a.relativeLocation).uri() ===
        new BlobLocation(b.baseLocation, b.relativeLocation).uri()
    );
}
