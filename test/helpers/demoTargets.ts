import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';

// The sample and demo ARM targets name the offline stack's `emulator` credential kind.
registerEmulatorCredential();

interface DemoSeed {
    armTokenSecret: string;
    workspaces: { authorizationToken: string }[];
    trainingServices: { serviceId: string; apiKey: string }[];
    classicWebServices: {
        endpoints: { name: string; serviceId: string; primaryKey: string; secondaryKey: string }[];
    }[];
    armWebServices: {
        subscriptionId: string;
        resourceGroup: string;
        name: string;
        serviceId: string;
        keys: { primary: string };
    }[];
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

/**
 * Each test target gets its own endpoint: the app refuses two targets updating one (their
 * promotions would overwrite each other). `churn` and `houses` keep the demo's `retrained` endpoint
 * and `houses-arm` service; any other name gets `retrained-{name}` / `houses-arm-{name}`, which
 * {@link seedFor} adds to the studio seed (same keys as the demo's).
 */
export const classicEndpointOf = (name: string): string => (name === 'churn' ? 'retrained' : `retrained-${name}`);
export const classicServiceIdOf = (endpoint: string): string => `churn-${endpoint}`;
const armServiceOf = (name: string): string => (name === 'houses' ? 'houses-arm' : `houses-arm-${name}`);
const armServiceIdOf = (service: string): string =>
    service === arm.name ? arm.serviceId : createHash('md5').update(service).digest('hex');

/**
 * `base` (default: the demo seed; e.g. the demo seed plus a v2 workspace) plus an endpoint
 * (classic) or web service (ARM) for each target of `targets` that names one `base` lacks, with the
 * demo's keys: what the studio must serve for that config.
 */
export function seedFor(targets: readonly Record<string, unknown>[], base: unknown = seed): DemoSeed {
    const out = structuredClone(base) as DemoSeed;
    const classic = out.classicWebServices[0];
    const retrained = classic.endpoints.find((e) => e.name === 'retrained')!;
    for (const t of targets) {
        const update = (t.update ?? {}) as { kind?: string; endpointName?: string; webServiceName?: string };
        if (
            update.kind === 'classic' &&
            update.endpointName &&
            !classic.endpoints.some((e) => e.name === update.endpointName)
        )
            classic.endpoints.push({
                ...retrained,
                name: update.endpointName,
                serviceId: classicServiceIdOf(update.endpointName),
            });
        if (
            update.kind === 'arm' &&
            update.webServiceName &&
            !out.armWebServices.some((a) => a.name === update.webServiceName)
        )
            out.armWebServices.push({
                ...structuredClone(arm),
                name: update.webServiceName,
                serviceId: armServiceIdOf(update.webServiceName),
            });
    }
    return out;
}

export interface Where {
    studioUrl: string;
    dataContainer: string;
    modelsContainer: string;
}

/** A placeholder `Where`, for reading what endpoints a set of targets names (see {@link seedFor}). */
export const ANY_WHERE: Where = { studioUrl: 'http://studio', dataContainer: 'data', modelsContainer: 'models' };

/**
 * The studio seed for the targets `make` builds, on top of `base` (default: the demo seed); their
 * endpoints and services do not depend on `Where`.
 */
export function seedForTargets(make: (w: Where) => Record<string, unknown>[], base?: unknown): DemoSeed {
    return seedFor(make(ANY_WHERE), base ?? seed);
}

/** Fast poll, debounce and retry settings, so runs finish in seconds. */
const fast = {
    debounce: { quietPeriodInMs: 400, maxWaitInMs: 3000 },
    job: { deadlineInMs: 60_000, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
    activityRetry: { firstRetryIntervalInMs: 200, maxAttempts: 3 },
    verify: { attempts: 2, intervalInMs: 200 },
};

/** The churn data's feature columns, in the order its models take them. */
export const CHURN_FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];

/** Golden rows a model trained on churn data passes: a loyal customer (label 0) and a churner (1). */
export const CHURN_SMOKE_TEST = {
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
};

/** Golden rows no churn model passes (the churner's expected label is one no model gives): every promotion fails its check. */
export const NEVER_PASSING_SMOKE_TEST = {
    rows: [
        {
            input: { tenure: 1, monthly_charges: 115, support_calls: 9, contract_months: 1 },
            expected: { 'Scored Labels': 'never' },
        },
    ],
};

/** Config for `churn`: classic endpoint `retrained` of the demo web service, with golden rows. */
export function churnTarget(w: Where, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const endpoint = classicEndpointOf(typeof overrides.name === 'string' ? overrides.name : 'churn');
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
            featureColumns: CHURN_FEATURES,
        },
        modelOutput: { container: w.modelsContainer },
        update: {
            kind: 'classic',
            managementUrl: w.studioUrl,
            workspaceId: 'ws-demo',
            webServiceId: 'churn-predictive',
            endpointName: endpoint,
            defaultEndpointName: 'default',
            apiKeySetting: 'CHURN_ENDPOINT_KEY',
            trainedModelName: 'Churn Model [trained model]',
        },
        scoring: {
            apiLocation: `${w.studioUrl}/workspaces/ws-demo/services/${classicServiceIdOf(endpoint)}`,
            apiKeySetting: 'CHURN_ENDPOINT_KEY',
        },
        gate: { thresholds: [{ metric: 'AUC', threshold: 0.7 }] },
        smokeTest: CHURN_SMOKE_TEST,
        ...fast,
        ...overrides,
    };
}

/** Config for `houses`: the demo ARM web service, judged on R². */
export function housesTarget(w: Where, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const service = armServiceOf(typeof overrides.name === 'string' ? overrides.name : 'houses');
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
            webServiceName: service,
            trainedModelName: 'Houses Model [trained model]',
            credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_SECRET' },
            pollIntervalInMs: 100,
            timeoutInMs: 20_000,
        },
        scoring: {
            apiLocation: `${w.studioUrl}/subscriptions/${arm.subscriptionId}/services/${armServiceIdOf(service)}`,
            apiKeySetting: 'HOUSES_SCORING_KEY',
        },
        gate: { thresholds: [{ metric: 'Coefficient of Determination', threshold: 0.8 }] },
        ...fast,
        ...overrides,
    };
}
