import type { BlobServiceClient } from '@azure/storage-blob';

import type { BatchExecutionClient, ClassicEndpointClient, ScoringClient, WebServiceClient } from '../clients';
import type { RetrainerConfig, TargetConfig } from '../retraining/config';
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
