import type { HostOptions } from '../../src/local/host/host';
import { AzureMlClient } from '../../src/clients/azureml';
import { uniqueName } from '../helpers/azurite';
import {
    azureMlSettings,
    azureMlTarget,
    registerInitialModel,
    seedWithWorkspace,
    servingEndpoint,
    workspaceClient,
} from '../helpers/azuremlTargets';
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
                azureMlTarget(where, 'strictml', 'strict-online', {
                    smokeTest: {
                        rows: [
                            {
                                input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
                                expected: { 'Scored Labels': 'never' },
                            },
                        ],
                    },
                }),
            ];
        },
        { ...azureMlSettings, ...settings },
        { ...options, seed: seedWithWorkspace(datastoreContainer) },
    );
    const client = workspaceClient(app.studio.url);
    try {
        const initial = await registerInitialModel(
            client,
            process.env.RETRAINER_DATA_STORAGE!,
            datastoreContainer,
            'users-model',
        );
        await servingEndpoint(client, 'churn-online', initial);
        await servingEndpoint(client, 'strict-online', initial);
    } catch (e) {
        // The caller never gets the app to stop.
        await app.stop();
        throw e;
    }
    return { app, client };
}
