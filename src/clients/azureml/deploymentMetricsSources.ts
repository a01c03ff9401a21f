import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';

import { KindConfig, KindProvider, KindRegistry } from '../kindRegistry';
import type { AzureMlWorkspaceRef } from './azureMlClient';
import { AzureMonitorDeploymentMetrics } from './azureMonitorMetrics';
import type { DeploymentMetricsSource } from './deploymentMetrics';

/** What a metrics source may use: the target's workspace, its ARM credential and its app settings. */
export interface DeploymentMetricsContext {
    workspace: AzureMlWorkspaceRef;
    /** The target's credential (the one its ARM calls use); Azure Monitor accepts the same identity. */
    credential: TokenCredential;
    /** The value of an app setting the config names (every `...Setting` key is resolved at config load). */
    setting: (name: string) => string;
}

/**
 * Where an `azureml` target's live checks read a deployment's metrics, as the config names it
 * (suggested key: `update.liveMetrics`). The product knows one kind, `azureMonitor`. Other kinds
 * are registered by whoever runs the app before it starts: the offline stack registers the studio
 * emulator's kind (`src/local/studio/emulatorDeploymentMetrics.ts`), so that source never ships.
 */
export type DeploymentMetricsProvider<Spec extends { kind: string } = { kind: string }> = KindProvider<
    Spec,
    DeploymentMetricsContext,
    DeploymentMetricsSource
>;

/** A validated live-metrics config object: `kind` plus what that kind's provider declared. */
export type DeploymentMetricsConfig = KindConfig;

/**
 * `{"kind": "azureMonitor", "region": "westeurope"}` or `{"kind": "azureMonitor", "endpoint":
 * "https://westeurope.metrics.monitor.azure.com"}`: the metrics batch API is regional, so the
 * workspace's region (or the endpoint itself) must be named. `audience` is for sovereign clouds.
 */
const azureMonitorSchema = z
    .strictObject({
        kind: z.literal('azureMonitor'),
        region: z
            .string()
            .regex(/^[a-z0-9]+$/, 'must be an Azure region name such as westeurope (lowercase, no spaces)')
            .optional(),
        endpoint: z.url().optional(),
        audience: z.url().optional(),
    })
    .refine((s) => (s.region === undefined) !== (s.endpoint === undefined), {
        error: 'needs exactly one of region or endpoint',
    });

const azureMonitorProvider: DeploymentMetricsProvider<z.infer<typeof azureMonitorSchema>> = {
    kind: 'azureMonitor',
    schema: azureMonitorSchema,
    create: (spec, context) =>
        new AzureMonitorDeploymentMetrics(context.workspace, context.credential, {
            endpoint: spec.endpoint ?? `https://${spec.region}.metrics.monitor.azure.com`,
            audience: spec.audience,
        }),
};

const registry = new KindRegistry<DeploymentMetricsContext, DeploymentMetricsSource>(
    'live-metrics',
    azureMonitorProvider,
);

/**
 * Adds a live-metrics kind. Registering a kind again replaces it (a host that restarts the app in
 * one process registers twice); `azureMonitor` cannot be replaced.
 * @throws TypeError when `provider.kind` is `azureMonitor`.
 */
export function registerDeploymentMetricsProvider<Spec extends { kind: string }>(
    provider: DeploymentMetricsProvider<Spec>,
): void {
    registry.register(provider);
}

/** The live-metrics kinds known now, `azureMonitor` first. */
export function deploymentMetricsKinds(): string[] {
    return registry.kinds();
}

/**
 * The config schema of a live-metrics object: `kind` names a registered provider, whose schema
 * checks the rest at parse time (so kinds registered after this module loaded count).
 */
export const deploymentMetricsSchema: z.ZodType<DeploymentMetricsConfig> = registry.schema();

/**
 * Builds the source a validated config object names. Build it once per target and keep it (the
 * activities' `perTarget` cache), so its connection pool and token cache are reused.
 * @throws RangeError when no provider is registered for `spec.kind` (the config would not have validated).
 */
export function createDeploymentMetricsSource(
    spec: DeploymentMetricsConfig,
    context: DeploymentMetricsContext,
): DeploymentMetricsSource {
    return registry.create(spec, context);
}
