import { randomBytes } from 'node:crypto';

/** What `init-target` was told about the user's model and data. */
export interface TargetSpec {
    /** The target's name (config `targets[].name` rules: lowercase letters, digits, inner hyphens). */
    name: string;
    task: 'classification' | 'regression';
    labelColumn: string;
    featureColumns: string[];
    /** Classification only: the label value counted as positive. */
    positiveLabel?: string;
    /** How the served model is updated: a classic endpoint PATCH or an ARM web service PUT. */
    update: 'classic' | 'arm';
}

/** Where the emulator listens and which workspace/subscription the new services join. */
export interface StudioPlace {
    /** The studio's origin, e.g. `http://127.0.0.1:7090`. */
    origin: string;
    workspaceId: string;
    subscriptionId: string;
    resourceGroup: string;
    location: string;
    dataContainer: string;
    modelsContainer: string;
}

/** App setting names the new target's config refers to; their values are the generated keys. */
export interface TargetSettings {
    training: string;
    endpoint: string;
}

export interface GeneratedTarget {
    /** The `targets[]` entry for retrainer.config.json. */
    config: Record<string, unknown>;
    /** The studio seed's new training service. */
    trainingService: Record<string, unknown>;
    /** The studio seed's new classic web service (update: classic). */
    classicWebService?: Record<string, unknown>;
    /** The studio seed's new ARM web service (update: arm). */
    armWebService?: Record<string, unknown>;
    /** Setting name -> value, for local.settings.json. */
    settings: Record<string, string>;
}

/** Metric names as Evaluate Model writes them, and which way is better. */
const METRICS = {
    classification: { threshold: 'AUC', improvement: 'AUC' },
    regression: { threshold: 'Coefficient of Determination', improvement: 'Root Mean Squared Error' },
} as const;

/** How far below the baseline the threshold sits: room for noise between batches, not for a broken model. */
const THRESHOLD_MARGIN = 0.05;

/**
 * A gate chosen from the metrics the sample data reaches: the threshold a little under the
 * baseline (rounded down to 2 decimals), and a small allowed loss against the champion.
 */
export function gateFromBaseline(task: TargetSpec['task'], baseline: Record<string, number>): Record<string, unknown> {
    const m = METRICS[task];
    const value = baseline[m.threshold];
    if (value === undefined || !Number.isFinite(value)) {
        throw new RangeError(`the baseline has no '${m.threshold}' to set a threshold from`);
    }
    const threshold = Math.floor((value - THRESHOLD_MARGIN) * 100) / 100;
    return {
        thresholds: [{ metric: m.threshold, threshold }],
        improvement: [
            task === 'classification'
                ? { metric: m.improvement, minAbsolute: -0.01 }
                : { metric: m.improvement, minRelative: -0.02 },
        ],
    };
}

function key(label: string): string {
    return `${label}-${randomBytes(20).toString('hex')}`;
}

/** `my-model` -> `MY_MODEL`, for setting names. */
export function settingPrefix(name: string): string {
    return name.toUpperCase().replace(/-/g, '_');
}

/** `my-model` -> `My Model`, for display names. */
function title(name: string): string {
    return name
        .split('-')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' ');
}

/**
 * Everything a new target needs, consistent across the three files: the config block refers to
 * the seed's services by id and to the settings by name; the settings hold the seed's keys.
 */
export function generateTarget(spec: TargetSpec, place: StudioPlace, gate: Record<string, unknown>): GeneratedTarget {
    const prefix = settingPrefix(spec.name);
    const names: TargetSettings = {
        training: `${prefix}_TRAINING_API_KEY`,
        endpoint: spec.update === 'classic' ? `${prefix}_ENDPOINT_API_KEY` : `${prefix}_ARM_API_KEY`,
    };
    const trainingServiceId = `${spec.name}-training`;
    const trainedModelName = `${title(spec.name)} Model [trained model]`;
    const trainingKey = key(`${spec.name}-training`);
    const trainingService = {
        workspaceId: place.workspaceId,
        serviceId: trainingServiceId,
        apiKey: trainingKey,
        statusCodeFormat: 'string',
        experiment: {
            algorithm: spec.task === 'classification' ? 'two-class-logistic-regression' : 'linear-regression',
            labelColumn: spec.labelColumn,
            featureColumns: spec.featureColumns,
            ...(spec.task === 'classification' ? { positiveLabel: spec.positiveLabel ?? '1' } : {}),
        },
        inputName: 'input1',
        modelOutputName: 'output1',
        evaluationOutputName: 'output2',
    };
    const config: Record<string, unknown> = {
        name: spec.name,
        training: {
            besUrl: `${place.origin}/workspaces/${place.workspaceId}/services/${trainingServiceId}`,
            apiKeySetting: names.training,
        },
        data: {
            container: place.dataContainer,
            prefixPattern: `${spec.name}/*.csv`,
            labelColumn: spec.labelColumn,
            featureColumns: spec.featureColumns,
        },
        modelOutput: { container: place.modelsContainer },
    };
    const out: GeneratedTarget = { config, trainingService, settings: { [names.training]: trainingKey } };
    if (spec.update === 'classic') {
        const webServiceId = `${spec.name}-predictive`;
        const endpointKey = key(`${spec.name}-retrained`);
        out.classicWebService = {
            workspaceId: place.workspaceId,
            id: webServiceId,
            name: `${title(spec.name)} [Predictive Exp.]`,
            trainedModelName,
            experimentServiceId: trainingServiceId,
            endpoints: [
                {
                    name: 'default',
                    serviceId: `${spec.name}-default`,
                    primaryKey: key(`${spec.name}-default`),
                    secondaryKey: key(`${spec.name}-default-2`),
                },
                {
                    name: 'retrained',
                    serviceId: `${spec.name}-retrained`,
                    primaryKey: endpointKey,
                    secondaryKey: key(`${spec.name}-retrained-2`),
                    description: 'Patched by Retrainer after each gated retraining run',
                },
            ],
        };
        config.update = {
            kind: 'classic',
            managementUrl: place.origin,
            workspaceId: place.workspaceId,
            webServiceId,
            endpointName: 'retrained',
            defaultEndpointName: 'default',
            apiKeySetting: names.endpoint,
            trainedModelName,
        };
        config.scoring = {
            apiLocation: `${place.origin}/workspaces/${place.workspaceId}/services/${spec.name}-retrained`,
            apiKeySetting: names.endpoint,
        };
        out.settings[names.endpoint] = endpointKey;
    } else {
        const serviceId = randomBytes(16).toString('hex');
        const primary = key(`${spec.name}-arm`);
        out.armWebService = {
            subscriptionId: place.subscriptionId,
            resourceGroup: place.resourceGroup,
            name: `${spec.name}-arm`,
            location: place.location,
            serviceId,
            trainedModelName,
            experimentServiceId: trainingServiceId,
            keys: { primary, secondary: key(`${spec.name}-arm-2`) },
        };
        config.update = {
            kind: 'arm',
            armBaseUrl: place.origin,
            subscriptionId: place.subscriptionId,
            resourceGroup: place.resourceGroup,
            webServiceName: `${spec.name}-arm`,
            trainedModelName,
            credential: { kind: 'emulator', secretSetting: 'STUDIO_ARM_TOKEN_SECRET' },
        };
        config.scoring = {
            apiLocation: `${place.origin}/subscriptions/${place.subscriptionId}/services/${serviceId}`,
            apiKeySetting: names.endpoint,
        };
        out.settings[names.endpoint] = primary;
    }
    config.gate = gate;
    config.debounce = { quietPeriodInMs: 10000, maxWaitInMs: 300000 };
    return out;
}
