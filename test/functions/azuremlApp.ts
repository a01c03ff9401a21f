import type { HostOptions } from '../../src/local/host/host';
import { AzureMlClient, deriveDeploymentName } from '../../src/clients/azureml';
import { uniqueName } from '../helpers/azurite';
import { azureMlSettings, azureMlTarget, seedWithWorkspace, usersWorkspace } from '../helpers/azuremlTargets';
import { NEVER_PASSING_SMOKE_TEST } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

/** The app with its Azure ML v2 targets, and a client on the studio's workspace. */
export interface AzureMlApp {
    app: AppUnderTest;
    client: AzureMlClient;
}

/**
 * The app with two Azure ML v2 targets, as a user has them before Retrainer takes over: `churnml`
 * on endpoint `churn-online` (bakes of 1.5 s, long enough for a test to arm a fault inside one) and
 * `strictml` on `strict-online`, whose golden rows never pass. Both endpoints serve the user's own
 * model from deployment `blue` at 100%. `settings` and `options` go to `startApp` on top of the
 * Azure ML ones.
 */
export async function startAzureMlApp(
    settings: Record<string, string> = {},
    options: { host?: Partial<HostOptions>; studioStateDir?: string } = {},
): Promise<AzureMlApp> {
    const datastoreContainer = uniqueName('azureml');
    const app = await startApp(
        (w) => {
            const where = { ...w, datastoreContainer };
            return [
                azureMlTarget(where, 'churnml', 'churn-online', { rollout: { bakeInMs: 1500 } }),
                azureMlTarget(where, 'strictml', 'strict-online', { smokeTest: NEVER_PASSING_SMOKE_TEST }),
            ];
        },
        { ...azureMlSettings, ...settings },
        { ...options, seed: seedWithWorkspace(datastoreContainer) },
    );
    try {
        const storage = process.env.RETRAINER_DATA_STORAGE!;
        const endpoints = ['churn-online', 'strict-online'];
        return { app, client: await usersWorkspace(app.studio.url, storage, datastoreContainer, endpoints) };
    } catch (e) {
        // The caller never gets the app to stop.
        await app.stop();
        throw e;
    }
}

/**
 * Waits until the in-flight run of `target` bakes a traffic step, then makes its new deployment on
 * `endpoint` fail every scoring request (a studio fault, scope `{endpoint}/{deployment}`, which the
 * caller clears). Returns the run's id and the new deployment's name.
 */
export async function crashWhileBaking(
    app: AppUnderTest,
    target: string,
    endpoint: string,
): Promise<{ runId: string; deployment: string }> {
    const baking = await app.atStep(target, 'baking', (s) => !!s.runId, 360_000);
    const runId = baking.runId!;
    const deployment = deriveDeploymentName(target, runId);
    app.studio.faults.set(`${endpoint}/${deployment}`, { scoringFails: 'Simulated model crash' });
    return { runId, deployment };
}
