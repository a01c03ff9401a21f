import { z } from 'zod';

const key = z.string().min(8, 'must be at least 8 characters');
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, . _ - (max 64)');

const experiment = z.strictObject({
    algorithm: z.enum(['two-class-logistic-regression', 'linear-regression']),
    labelColumn: z.string().min(1),
    featureColumns: z.array(z.string().min(1)).min(1),
    positiveLabel: z.string().optional(),
    hyperparameters: z.record(z.string(), z.number()).optional(),
});

const trainingService = z.strictObject({
    workspaceId: id,
    serviceId: id,
    apiKey: key,
    statusCodeFormat: z.enum(['string', 'number']).default('string'),
    experiment,
    inputName: z.string().min(1).default('input1'),
    modelOutputName: z.string().min(1).default('output1'),
    evaluationOutputName: z.string().min(1).default('output2'),
});

const endpoint = z.strictObject({
    name: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/, 'must be ≤24 lowercase letters, digits, inner hyphens'),
    serviceId: id,
    primaryKey: key,
    secondaryKey: key,
    description: z.string().optional(),
});

const classicWebService = z.strictObject({
    workspaceId: id,
    id,
    name: z.string().min(1),
    trainedModelName: z.string().min(1),
    experimentServiceId: id,
    endpoints: z.array(endpoint).min(1, 'needs at least the default endpoint'),
    /** `container/path.ilearner` in the emulator's storage, bound at first start. */
    initialModel: z.string().optional(),
});

const armWebService = z.strictObject({
    subscriptionId: id,
    resourceGroup: id,
    name: id,
    location: z.string().min(1),
    serviceId: z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters'),
    trainedModelName: z.string().min(1),
    experimentServiceId: id,
    keys: z.strictObject({ primary: key, secondary: key }),
    initialModel: z.string().optional(),
});

/** An Azure ML v2 workspace: its datastores (containers in the emulator's storage) and training environments. */
const azuremlWorkspace = z.strictObject({
    subscriptionId: id,
    resourceGroup: id,
    name: id,
    location: z.string().min(1),
    /** Datastore name -> blob container in the emulator's storage. */
    datastores: z.record(z.string().min(1), z.string().min(3)).default({ workspaceblobstore: 'azureml' }),
    /** A command job's `environmentId` picks the experiment it trains (the emulator does not run `command`). */
    environments: z.array(z.strictObject({ id: z.string().min(1), experiment })).default([]),
});

export const seedSchema = z.strictObject({
    $schema: z.string().optional(),
    adminKey: key,
    armTokenSecret: key,
    workspaces: z.array(z.strictObject({ id, authorizationToken: key })).min(1),
    trainingServices: z.array(trainingService).default([]),
    classicWebServices: z.array(classicWebService).default([]),
    armWebServices: z.array(armWebService).default([]),
    azureml: z.array(azuremlWorkspace).default([]),
});

export type StudioSeed = z.infer<typeof seedSchema>;
export type TrainingServiceSeed = StudioSeed['trainingServices'][number];
export type ClassicWebServiceSeed = StudioSeed['classicWebServices'][number];
export type ArmWebServiceSeed = StudioSeed['armWebServices'][number];
export type AzureMlWorkspaceSeed = StudioSeed['azureml'][number];

export class SeedError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid studio seed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
        this.name = 'SeedError';
    }
}

/** Validates a seed; one error lists every problem, each with its key path. */
export function parseSeed(json: unknown): StudioSeed {
    const result = seedSchema.safeParse(json);
    const problems = result.success
        ? []
        : result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    if (result.success) problems.push(...crossChecks(result.data));
    if (problems.length > 0) throw new SeedError(problems);
    return result.data!;
}

function crossChecks(seed: StudioSeed): string[] {
    const problems: string[] = [];
    const workspaces = new Set(seed.workspaces.map((w) => w.id));
    const training = new Set(seed.trainingServices.map((t) => t.serviceId));
    const serviceIds = new Map<string, string>();
    const claim = (serviceId: string, where: string): void => {
        const other = serviceIds.get(serviceId);
        if (other) problems.push(`${where}: serviceId '${serviceId}' is already used by ${other}`);
        serviceIds.set(serviceId, where);
    };
    seed.trainingServices.forEach((t, i) => {
        if (!workspaces.has(t.workspaceId))
            problems.push(`trainingServices.${i}.workspaceId: unknown workspace '${t.workspaceId}'`);
        claim(t.serviceId, `trainingServices.${i}`);
    });
    seed.classicWebServices.forEach((w, i) => {
        if (!workspaces.has(w.workspaceId))
            problems.push(`classicWebServices.${i}.workspaceId: unknown workspace '${w.workspaceId}'`);
        if (!training.has(w.experimentServiceId)) {
            problems.push(
                `classicWebServices.${i}.experimentServiceId: unknown training service '${w.experimentServiceId}'`,
            );
        }
        w.endpoints.forEach((e, j) => claim(e.serviceId, `classicWebServices.${i}.endpoints.${j}`));
    });
    seed.armWebServices.forEach((a, i) => {
        if (!training.has(a.experimentServiceId)) {
            problems.push(
                `armWebServices.${i}.experimentServiceId: unknown training service '${a.experimentServiceId}'`,
            );
        }
        claim(a.serviceId, `armWebServices.${i}`);
    });
    return problems;
}
