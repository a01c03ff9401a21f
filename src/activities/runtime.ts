import path from 'node:path';

import {
    BatchExecutionClient,
    ClassicEndpointClient,
    createArmCredential,
    ScoringClient,
    WebServiceClient,
} from '../clients';
import { besTrainingOf, LoadedConfig, loadConfigFromEnv, scoringOf, TargetConfig } from '../retraining/config';
import { Outbox } from '../retraining/outbox';
import { RunStore } from '../retraining/runStore';
import { AzureMlClient, AzureMlWorkspaceRef, createDeploymentMetricsSource } from '../clients/azureml';
import type { AzureMlUpdateConfig } from '../retraining/configSchema';
import { dataBlobService } from './dataStorage';
import { ActivityDeps, azureMlUpdateOf } from './deps';

/** Where run records and champions live, in the data storage account. */
export const RUNS_CONTAINER_SETTING = 'RETRAINER_RUNS_CONTAINER';

/** The runs container's name (run records, champions, outboxes, the catch-up report). */
export function runsContainerName(env: NodeJS.ProcessEnv = process.env): string {
    return env[RUNS_CONTAINER_SETTING] || 'retrainer-runs';
}

/** Each target's outbox of arrivals, in the runs container of the data storage. */
export function outboxOf(deps: Pick<ActivityDeps, 'blobs'>, env: NodeJS.ProcessEnv = process.env): Outbox {
    return new Outbox(deps.blobs.getContainerClient(runsContainerName(env)));
}

/**
 * Builds the activities' dependencies from the validated configuration and its settings. Each
 * client is built on first use and kept per target for the life of the process, so its
 * connection pool and, for ARM, its credential's token cache survive from one activity to the next.
 */
export function createDeps(loaded: LoadedConfig, env: NodeJS.ProcessEnv): ActivityDeps {
    const { config } = loaded;
    const setting = (name: string): string => loaded.setting(name);
    const blobs = dataBlobService(config.storage.connectionStringSetting, env);
    // One credential per target, shared by its ARM client and its metrics source (one token cache).
    const credentialOf = perTarget((t) => createArmCredential(azureMlUpdateOf(t).credential, setting));
    return {
        config,
        blobs,
        runs: new RunStore(blobs.getContainerClient(runsContainerName(env))),
        bes: perTarget((t) => {
            const training = besTrainingOf(t);
            return new BatchExecutionClient(training.besUrl, setting(training.apiKeySetting));
        }),
        classic: perTarget((t) => {
            if (t.update.kind !== 'classic') throw new TypeError(`target '${t.name}' is not a classic endpoint target`);
            const u = t.update;
            return new ClassicEndpointClient(u.managementUrl, u.workspaceId, u.webServiceId, setting(u.apiKeySetting), {
                defaultEndpointName: u.defaultEndpointName,
            });
        }),
        arm: perTarget((t) => {
            if (t.update.kind !== 'arm') throw new TypeError(`target '${t.name}' is not an ARM web service target`);
            const u = t.update;
            const credential = createArmCredential(u.credential, setting);
            return new WebServiceClient(u.armBaseUrl, u.subscriptionId, u.resourceGroup, credential);
        }),
        azureml: perTarget((t) => {
            const u = azureMlUpdateOf(t);
            const ws = {
                subscriptionId: u.workspace.subscriptionId,
                resourceGroup: u.workspace.resourceGroup,
                workspace: u.workspace.name,
            };
            return new AzureMlClient(ws, credentialOf(t), { endpoint: u.armBaseUrl });
        }),
        datastore: perTarget((t) => {
            const u = azureMlUpdateOf(t);
            const account = u.datastore.storageSetting ? dataBlobService(u.datastore.storageSetting, env) : blobs;
            return account.getContainerClient(u.datastore.container);
        }),
        deploymentMetrics: perTarget((t) => {
            const u = azureMlUpdateOf(t);
            return createDeploymentMetricsSource(u.liveMetrics, {
                workspace: workspaceOf(u),
                credential: credentialOf(t),
                setting,
            });
        }),
        scoring: perTarget((t) => {
            const scoring = scoringOf(t);
            return new ScoringClient(scoring.apiLocation, setting(scoring.apiKeySetting));
        }),
        now: () => new Date(),
    };
}

/** The workspace an 'azureml' target's update block names, as the Azure ML clients take it. */
function workspaceOf(u: AzureMlUpdateConfig): AzureMlWorkspaceRef {
    return {
        subscriptionId: u.workspace.subscriptionId,
        resourceGroup: u.workspace.resourceGroup,
        workspace: u.workspace.name,
    };
}

/** `make` once per target name; later calls for the same target get the same instance. */
function perTarget<T>(make: (target: TargetConfig) => T): (target: TargetConfig) => T {
    const made = new Map<string, T>();
    return (target) => {
        let value = made.get(target.name);
        if (value === undefined) {
            value = make(target);
            made.set(target.name, value);
        }
        return value;
    };
}

let cached: ActivityDeps | undefined;

/**
 * The deployed package's root (this file is dist/src/activities/runtime.js). The Functions worker's
 * current directory is not guaranteed to be the app's, so a relative config path starts here.
 */
export const APP_ROOT = path.resolve(__dirname, '..', '..', '..');

/** The app's one set of dependencies, from the environment, validated once. */
export function runtimeDeps(): ActivityDeps {
    cached ??= createDeps(loadConfigFromEnv(process.env, APP_ROOT), process.env);
    return cached;
}
