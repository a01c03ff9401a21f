import { z } from 'zod';

import { appSettingName, armCredentialSchema } from '../clients/armCredentials';
import { deploymentMetricsSchema } from '../clients/azureml/deploymentMetricsSources';
import { blobNameProblem, TRAINING_DATA_NAME_RULE } from './dataPattern';
import { parseSchedule } from './ncrontab';

const settingName = appSettingName;
const url = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const positiveMs = z.number().int().positive();
const containerName = z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be a storage container name');
const direction = z.enum(['higherIsBetter', 'lowerIsBetter']);
const cell = z.union([z.string(), z.number()]);

const ncrontab = z.string().superRefine((s, ctx) => {
    try {
        parseSchedule(s);
    } catch (err) {
        ctx.addIssue({
            code: 'custom',
            message: `must be a 6-field NCRONTAB expression {second} {minute} {hour} {day} {month} {day-of-week}: ${err instanceof Error ? err.message : 'invalid'}`,
        });
    }
});

const training = z.strictObject({
    besUrl: url,
    apiKeySetting: settingName,
    inputName: z.string().min(1).default('input1'),
    modelOutputName: z.string().min(1).default('output1'),
    evaluationOutputName: z.string().min(1).default('output2'),
    globalParameters: z.record(z.string(), z.string()).default({}),
});

const data = z.strictObject({
    container: containerName,
    /** Blob names under the container that are training data, e.g. `churn/*.csv` (`*` = any characters). */
    prefixPattern: z
        .string()
        .min(1)
        .refine((s) => !s.startsWith('/'), { error: 'is relative to the container: no leading /' })
        .superRefine((s, ctx) => {
            // What `*` stands for is checked per blob; the literal rest must already meet the rule,
            // or the pattern could only match names no target may train on.
            const problem = s.startsWith('/') ? undefined : blobNameProblem(s.replaceAll('*', 'x'));
            if (problem) ctx.addIssue({ code: 'custom', message: `${problem}: ${TRAINING_DATA_NAME_RULE}` });
        }),
    labelColumn: z.string().min(1),
    featureColumns: z.array(z.string().min(1)).min(1),
    /**
     * What the label is: classes (`classification`) or a number (`regression`). Optional: inferred
     * from the gate's metrics (AUC, Accuracy, ... or RMSE, Coefficient of Determination, ...).
     */
    task: z.enum(['classification', 'regression']).optional(),
    /** Feature column -> `numeric` (the default: every value a finite decimal number) or `text` (any value). */
    columnTypes: z.record(z.string(), z.enum(['numeric', 'text'])).optional(),
    /** Classification only: the label values the model can learn; a file with another value is refused. */
    classes: z.array(z.string().min(1)).min(2).optional(),
});

const classicUpdate = z.strictObject({
    kind: z.literal('classic'),
    managementUrl: url,
    workspaceId: z.string().min(1),
    webServiceId: z.string().min(1),
    endpointName: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]{0,22}[a-z0-9])?$/, 'must be ≤24 lowercase letters, digits, inner hyphens'),
    defaultEndpointName: z.string().min(1).optional(),
    apiKeySetting: settingName,
    trainedModelName: z.string().min(1),
});

/** `default` (Azure AD) or a kind the running host registered (the offline stack's `emulator`). */
const armCredential = armCredentialSchema;

const armUpdate = z.strictObject({
    kind: z.literal('arm'),
    armBaseUrl: url.default('https://management.azure.com'),
    subscriptionId: z.string().min(1),
    resourceGroup: z.string().min(1),
    webServiceName: z.string().min(1),
    trainedModelName: z.string().min(1),
    credential: armCredential,
    pollIntervalInMs: positiveMs.default(2000),
    timeoutInMs: positiveMs.default(600_000),
});

/**
 * Azure Machine Learning v2 (`Microsoft.MachineLearningServices`, api-version 2022-10-01): retrain
 * with a command job, register a model version, create a managed online deployment beside the
 * serving one, then shift the endpoint's traffic in steps with a bake period and live checks per
 * step (README "Azure ML v2 target"). Step order and the other cross-field rules are checked in
 * configChecks (every problem named in one pass).
 */
const azuremlUpdate = z.strictObject({
    kind: z.literal('azureml'),
    armBaseUrl: url.default('https://management.azure.com'),
    workspace: z.strictObject({
        subscriptionId: z.string().min(1),
        resourceGroup: z.string().min(1),
        name: z.string().min(1),
    }),
    credential: armCredential,
    /**
     * The workspace datastore the job reads its data from and writes its outputs to: its name in
     * the workspace and the blob container behind it, in the account of `storageSetting` (default:
     * the config's data storage).
     */
    datastore: z.strictObject({
        name: z.string().min(1).default('workspaceblobstore'),
        container: containerName,
        storageSetting: settingName.optional(),
    }),
    /**
     * Where the live checks read the new deployment's requests, errors and latency:
     * `{"kind": "azureMonitor", "region": "westeurope"}` (or `"endpoint"`) in Azure; the offline stack
     * registers the studio emulator's kind.
     */
    liveMetrics: deploymentMetricsSchema,
    /** The managed online endpoint that serves the target (it must exist). */
    endpoint: z
        .string()
        .regex(
            /^[a-zA-Z][a-zA-Z0-9-]{0,31}$/,
            'must be an online endpoint name (a letter first, ≤32 letters, digits, -)',
        ),
    /** Model name in the workspace registry (default: the target's name). */
    modelName: z
        .string()
        .regex(/^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$/, 'must be a model name (letters, digits, - _ .)')
        .optional(),
    /** New deployments are named `{deploymentPrefix}-{8 hex of the run}` (default: the target's name). */
    deploymentPrefix: z
        .string()
        .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,22}$/, 'must start with a letter: ≤23 letters, digits, -')
        .optional(),
    deployment: z
        .strictObject({
            instanceType: z.string().min(1).default('Standard_DS3_v2'),
            instanceCount: z.number().int().min(1).default(1),
        })
        .default({ instanceType: 'Standard_DS3_v2', instanceCount: 1 }),
    /** The command job template each run submits (its name is derived from the run). */
    job: z.strictObject({
        /** The environment's ARM id or `azureml:{name}:{version}`. */
        environmentId: z.string().min(1),
        /** The command; the data is the job's `training_data` input (`${{inputs.training_data}}`). */
        command: z.string().min(1),
        computeId: z.string().min(1).optional(),
        experimentName: z.string().min(1).optional(),
        /** Literal inputs (hyperparameters); an HTTP trigger's globalParameters are added. */
        inputs: z.record(z.string(), z.string()).default({}),
    }),
    rollout: z
        .strictObject({
            /** Traffic shares of the new deployment, increasing, ending at 100. */
            stepsInPercent: z.array(z.number().int().min(1).max(100)).min(1).default([10, 50, 100]),
            /** How long each step bakes before its live checks. */
            bakeInMs: z.number().int().nonnegative().default(300_000),
            /** Between polls of a long-running operation (deployment create, traffic, delete). */
            pollIntervalInMs: positiveMs.default(10_000),
            /** The longest one operation may take before the run gives up on it. */
            operationTimeoutInMs: positiveMs.default(1_800_000),
            liveChecks: z
                .strictObject({
                    /** Largest share of failed (5xx) requests of the new deployment over a bake, 0..1. */
                    maxErrorRate: z.number().min(0).max(1).default(0.01),
                    /** Largest average request latency of the new deployment over a bake. */
                    maxLatencyInMs: positiveMs.optional(),
                    /** Fewer requests than this in a bake: error rate and latency are not judged (golden rows still are). */
                    minRequests: z.number().int().nonnegative().default(0),
                })
                .default({ maxErrorRate: 0.01, minRequests: 0 }),
        })
        .default({
            stepsInPercent: [10, 50, 100],
            bakeInMs: 300_000,
            pollIntervalInMs: 10_000,
            operationTimeoutInMs: 1_800_000,
            liveChecks: { maxErrorRate: 0.01, minRequests: 0 },
        }),
    /** Earlier deployments kept (at 0% traffic) after a promotion, newest first; older ones are deleted. */
    keepDeployments: z.number().int().nonnegative().default(1),
});

const gate = z.strictObject({
    thresholds: z
        .array(z.strictObject({ metric: z.string().min(1), threshold: z.number(), direction: direction.optional() }))
        .default([]),
    improvement: z
        .array(
            z
                .strictObject({
                    metric: z.string().min(1),
                    direction: direction.optional(),
                    minAbsolute: z.number().optional(),
                    minRelative: z.number().optional(),
                })
                .refine((i) => i.minAbsolute !== undefined || i.minRelative !== undefined, {
                    error: 'needs minAbsolute or minRelative',
                }),
        )
        .optional(),
});

const smokeRow = z.strictObject({
    input: z.record(z.string(), cell),
    expected: z.record(z.string(), cell),
    /** Numeric expected values match within this absolute tolerance (default exact). */
    tolerance: z.number().nonnegative().optional(),
});

/**
 * A person's decision between the gate and the promotion. `approvers` are names or roles, matched
 * against the caller's identity when the host provides one (App Service Authentication's
 * `x-ms-client-principal`), otherwise against the decision's `by`; an empty list lets anyone with
 * the function key decide. On timeout the run is rejected unless `onTimeout: 'approve'` is written.
 */
const approval = z.strictObject({
    required: z.boolean().default(true),
    approvers: z.array(z.string().min(1)).default([]),
    // A day by default: long enough for a person to look, short enough that a target never hangs.
    timeoutInMs: positiveMs.default(86_400_000),
    onTimeout: z.enum(['reject', 'approve']).default('reject'),
    // How soon a decision whose event was lost (route died after claiming it) still reaches the run.
    decisionCheckEveryInMs: positiveMs.default(60_000),
});

/**
 * What a run trains on, and what happens to the files of a Rejected run (see `retraining/dataPolicy.ts`).
 * `trainOn: 'window'` takes the newest `lastFiles` files, or the files uploaded in the last `lastDays`
 * days, of those that can train (by the blob's last-modified time). `onRejected: 'quarantine'` leaves
 * the files a Rejected run added over the champion's data out of later runs until `include`d again.
 */
const dataPolicy = z
    .strictObject({
        trainOn: z.enum(['all', 'window']).default('all'),
        lastFiles: z.number().int().positive().optional(),
        lastDays: z.number().positive().optional(),
        onRejected: z.enum(['keep', 'quarantine']).default('keep'),
    })
    .superRefine((p, ctx) => {
        const given = [p.lastFiles, p.lastDays].filter((v) => v !== undefined).length;
        if (p.trainOn === 'window' && given !== 1) {
            ctx.addIssue({ code: 'custom', message: "trainOn 'window' needs exactly one of lastFiles or lastDays" });
        } else if (p.trainOn === 'all' && given > 0) {
            ctx.addIssue({ code: 'custom', message: "lastFiles and lastDays apply only to trainOn 'window'" });
        }
    });

export const targetSchema = z.strictObject({
    name: z
        .string()
        .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, 'must be lowercase letters, digits, inner hyphens (≤32)'),
    /** BES training: required for `classic` and `arm` targets; an `azureml` target trains with `update.job`. */
    training: training.optional(),
    data,
    modelOutput: z.strictObject({ container: containerName }),
    update: z.discriminatedUnion('kind', [classicUpdate, armUpdate, azuremlUpdate]),
    /** Request-response scoring: required for `classic` and `arm` targets; an `azureml` target scores at its endpoint. */
    scoring: z
        .strictObject({
            apiLocation: url,
            apiKeySetting: settingName,
            inputName: z.string().min(1).default('input1'),
            outputName: z.string().min(1).optional(),
        })
        .optional(),
    gate,
    schedule: ncrontab.optional(),
    retrainOnScheduleWithoutNewData: z.boolean().default(false),
    debounce: z
        .strictObject({ quietPeriodInMs: positiveMs.default(60_000), maxWaitInMs: positiveMs.default(600_000) })
        .refine((d) => d.maxWaitInMs >= d.quietPeriodInMs, { error: 'maxWaitInMs must be >= quietPeriodInMs' })
        .default({ quietPeriodInMs: 60_000, maxWaitInMs: 600_000 }),
    // Status polls double from 5 s up to 10 min, so their number grows with the log of the job's
    // length (8 for a 10-minute job, 19 at the 2-hour deadline) and a finished job waits at most one interval.
    job: z
        .strictObject({
            deadlineInMs: positiveMs.default(7_200_000),
            pollInitialIntervalInMs: positiveMs.default(5000),
            pollMaxIntervalInMs: positiveMs.default(600_000),
        })
        .default({ deadlineInMs: 7_200_000, pollInitialIntervalInMs: 5000, pollMaxIntervalInMs: 600_000 }),
    activityRetry: z
        .strictObject({
            firstRetryIntervalInMs: positiveMs.default(5000),
            maxAttempts: z.number().int().min(1).default(3),
        })
        .default({ firstRetryIntervalInMs: 5000, maxAttempts: 3 }),
    smokeTest: z.strictObject({ rows: z.array(smokeRow).min(1) }).optional(),
    /**
     * Checks of a promotion before rolling back: a PATCHed classic endpoint can take ~30 s to score
     * with the new model, so by default it is checked 4 times, 15 s apart (45 s in all).
     */
    verify: z
        .strictObject({
            attempts: z.number().int().min(1).default(4),
            intervalInMs: positiveMs.default(15_000),
        })
        .default({ attempts: 4, intervalInMs: 15_000 }),
    approval: approval.optional(),
    dataPolicy: dataPolicy.default({ trainOn: 'all', onRejected: 'keep' }),
});

export const configSchema = z.strictObject({
    $schema: z.string().optional(),
    /** Where training data and model outputs live; BES reads and writes it with this connection. */
    storage: z.strictObject({ connectionStringSetting: settingName }),
    targets: z.array(targetSchema).min(1),
    /**
     * Who may use the status page (`/api/ui/`): roles of the principal App Service Authentication
     * signs in (Entra ID app roles). Viewers see everything; approvers may also decide approvals.
     */
    ui: z
        .strictObject({
            viewerRoles: z.array(z.string().min(1)).min(1).default(['Retrainer.Viewer']),
            approverRoles: z.array(z.string().min(1)).default(['Retrainer.Approver']),
        })
        .default({ viewerRoles: ['Retrainer.Viewer'], approverRoles: ['Retrainer.Approver'] }),
});

export type RetrainerConfig = z.infer<typeof configSchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
export type ClassicUpdateConfig = z.infer<typeof classicUpdate>;
export type ArmUpdateConfig = z.infer<typeof armUpdate>;
export type AzureMlUpdateConfig = z.infer<typeof azuremlUpdate>;
export type TrainingConfig = z.infer<typeof training>;
export type ScoringConfig = NonNullable<TargetConfig['scoring']>;
export type ApprovalConfig = z.infer<typeof approval>;
export type SmokeTestRow = z.infer<typeof smokeRow>;
export type DataPolicyConfig = z.infer<typeof dataPolicy>;
