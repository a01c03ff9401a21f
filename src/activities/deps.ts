import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import type { BatchExecutionClient, ClassicEndpointClient, ScoringClient, WebServiceClient } from '../clients';
import type { AzureMlClient } from '../clients/azureml';
import type { DeploymentMetricsSource } from '../clients/azureml/deploymentMetrics';
import type { RetrainerConfig, TargetConfig } from '../retraining/config';
import type { AzureMlUpdateConfig } from '../retraining/configSchema';
import type { RunStore } from '../retraining/runStore';

/**
 * What the retrain activities are built from. Registrations pass real clients; tests pass real
 * ones against Azurite and the studio emulator, or fakes, without module mocking.
 */
export interface ActivityDeps {
    config: RetrainerConfig;
    /** The storage holding training data and model outputs (the config's storage setting). */
    blobs: BlobServiceClient;
    runs: RunStore;
    bes(target: TargetConfig): BatchExecutionClient;
    /** Only called for targets whose update kind is 'classic'. */
    classic(target: TargetConfig): ClassicEndpointClient;
    /** Only called for targets whose update kind is 'arm'. */
    arm(target: TargetConfig): WebServiceClient;
    scoring(target: TargetConfig): ScoringClient;
    /** Only called for targets whose update kind is 'azureml': the workspace's ARM client. */
    azureml(target: TargetConfig): AzureMlClient;
    /** Only for 'azureml' targets: the blob container behind `update.datastore` (job data and outputs). */
    datastore(target: TargetConfig): ContainerClient;
    /** Only for 'azureml' targets: per-deployment request, error and latency counts for the live checks. */
    deploymentMetrics(target: TargetConfig): DeploymentMetricsSource;
    now(): Date;
}

export class UnknownTargetError extends Error {
    constructor(target: string) {
        super(`Target '${target}' is not in the configuration.`);
        this.name = 'UnknownTargetError';
    }
}

export function targetOf(deps: ActivityDeps, name: string): TargetConfig {
    const t = deps.config.targets.find((x) => x.name === name);
    if (!t) throw new UnknownTargetError(name);
    return t;
}

/**
 * What every Azure ML v2 activity starts from: the named target, its `update` block and its
 * workspace client (the one `deps.azureml` keeps per target).
 * @throws UnknownTargetError when the config has no such target; TypeError when it is not kind 'azureml'.
 */
export function azureMlTargetOf(
    deps: ActivityDeps,
    name: string,
): { target: TargetConfig; update: AzureMlUpdateConfig; client: AzureMlClient } {
    const target = targetOf(deps, name);
    const update = azureMlUpdateOf(target);
    return { target, update, client: deps.azureml(target) };
}

/** The `update` block of an 'azureml' target. @throws TypeError for any other kind. */
export function azureMlUpdateOf(t: TargetConfig): AzureMlUpdateConfig {
    if (t.update.kind !== 'azureml') throw new TypeError(`target '${t.name}' is not an Azure ML v2 target`);
    return t.update;
}
