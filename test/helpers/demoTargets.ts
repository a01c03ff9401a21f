import { readFileSync } from 'node:fs';

import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';

// The sample and demo ARM targets name the offline stack's `emulator` credential kind.
registerEmulatorCredential();

interface DemoSeed {
    armTokenSecret: string;
    workspaces: { authorizationToken: string }[];
    trainingServices: { serviceId: string; apiKey: string }[];
    classicWebServices: { endpoints: { name: string; primaryKey: string }[] }[];
    armWebServices: { subscriptionId: string; resourceGroup: string; serviceId: string; keys: { primary: string } }[];
}

/** The demo seed the studio emulator starts with in tests (the same one `npm start` uses). */
export const seed = JSON.parse(readFileSync('studio.seed.json', 'utf8')) as DemoSeed;
export const arm = seed.armWebServices[0];
export const retrainedKey = seed.classicWebServices[0].endpoints.find((e) => e.name === 'retrained')!.primaryKey;

/** App settings the demo targets name, with the seed's values. */
export const demoSettings: Record<string, string> = {
    CHURN_TRAINING_KEY: seed.trainingServices.find((t) => t.serviceId === 'churn-training')!.apiKey,
    CHURN_ENDPOINT_KEY: retrainedKey,
    HOUSES_TRAINING_KEY: seed.trainingServices.find((t) => t.serviceId === 'houses-training')!.apiKey,
    HOUSES_SCORING_KEY: arm.keys.primary,
    STUDIO_ARM_SECRET: seed.armTokenSecret,
};

export interface Where {
    studioUrl: string;
    dataContainer: string;
    modelsContainer: string;
}

/** Fast poll, debounce and retry settings, so runs finish in seconds. */
const fast = {
    debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 },
    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
    verify: { attempts: 2, intervalInMs: 200 },
};

/** Config for `churn`: classic endpoint `retrained` of the demo web service, with golden rows. */
export function churnTarget(w: Where, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: 'churn',
        training: {
            besUrl: `${w.studioUrl}/workspaces/ws-demo/services/churn-training`,
            apiKeySetting: 'CHURN_TRAINING_KEY',
        },
        data: {
            container: w.dataContainer,
            prefixPattern: 'churn/*.csv',
            labelColumn: 'churned',
            featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
        },
        modelOutput: { container: w.modelsContainer },
        update: {
            kind: 'classic',
            managementUrl: w.studioUrl,
            workspaceId: 'ws-demo',
            webServiceId: 'churn-predictive',
            endpointName: 'retrained',
            defaultEndpointName: 'default',
            apiKeySetting: 'CHURN_ENDPOINT_KEY',
            trainedModelName: 'Churn Model [trained model]',
        },
        scoring: {
            apiLocation: `${w.studioUrl}/workspaces/ws-demo/services/churn-retrained`,
            apiKeySetting: 'CHURN_ENDPOINT_KEY',
        },
        gate: { thresholds: [{ metric: 'AUC', threshold: 0.7 }] },
        smokeTest: {
            rows: [
                {
                    input: { tenure: 70, monthly_charges: 25, support_calls: 0, contract_months: 24 },
                    expected: { 'Scored Labels': '0' },
                },
                {
                    input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
                    expected: { 'Scored Labels': '1' },
                },
            ],
        },
        ...fast,
        ...overrides,
    };
}

/** Config for `houses`: the demo ARM web service, judged on R². */
export function housesTarget(w: Where, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        name: 'houses',
        training: {
            besUrl: `${w.studioUrl}/workspaces/ws-demo/services/houses-training`,
            apiKeySetting: 'HOUSES_TRAINING_KEY',
        },
        data: {
            container: w.dataContainer,
            prefixPattern: 'houses/*.csv',
            labelColumn: 'price',
            featureColumns: ['sqft', 'bedrooms', 'age', 'distance_km'],
        },
        modelOutput: { container: w.modelsContainer },
        update: {
            kind: 'arm',
            armBaseUrl: w.studioUrl,
            subscriptionId: arm.subscriptionId,
            resourceGroup: arm.resourceGroup,
            webServiceName: 'houses-arm',
            trainedModelName: 'Houses Model [trained model]',
            credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' },
            pollIntervalInMs: 100,
            timeoutInMs: 20_000,
        },
        scoring: {
            apiLocation: `${w.studioUrl}/subscriptions/${arm.subscriptionId}/services/${arm.serviceId}`,
            apiKeySetting: 'HOUSES_SCORING_KEY',
        },
        gate: { thresholds: [{ metric: 'Coefficient of Determination', threshold: 0.8 }] },
        ...fast,
        ...overrides,
    };
}
