import { deriveJobName, isAzureMlError, JobInfo, readJobMetrics } from '../clients/azureml';
import type { ClaimPending } from '../orchestrators/claims';
import type {
    JobRef,
    JobState,
    JobStatus,
    ModelLocation,
    SubmitJobInput,
    SubmittedJob,
} from '../orchestrators/contracts';
import type { TargetConfig } from '../retraining/config';
import { intakeDataOf, intakeSchemaOf } from '../retraining/intake';
import { canonicalMetricName } from '../retraining/metricNames';
import { withClaim } from './claim';
import { ActivityDeps, azureMlTargetOf, azureMlUpdateOf, targetOf } from './deps';
import { writeCanonicalCsv } from './mergeCsv';

/** What the submit claim's holder records: `submitting` once the data is written and the PUT is on its way. */
interface SubmitProgress {
    phase: 'submitting';
    jobName: string;
}

/** The datastore URI of a path on the target's datastore. */
export function datastoreUri(target: TargetConfig, path: string): string {
    return `azureml://datastores/${azureMlUpdateOf(target).datastore.name}/paths/${path}`;
}

/** A datastore URI as a ModelLocation: the datastore's root, and the path under it. */
function locationOf(uri: string): ModelLocation {
    const m = /^(azureml:\/\/datastores\/[^/]+\/paths\/)(.*)$/.exec(uri);
    return m ? { baseLocation: m[1], relativeLocation: m[2] } : { baseLocation: '', relativeLocation: uri };
}

/**
 * Submits the run's Azure ML command job: the run's canonical CSV is written to the workspace
 * datastore (`retrainer/{target}/{runId}/training.csv`), then the job is PUT under the name
 * `deriveJobName(target, runId)`. The name makes a retried submit idempotent (the service answers
 * with the job already there); the run's `job.json` claim keeps two copies from acting at once.
 *
 * @returns the job (its outputs as ModelLocations on the datastore), or a ClaimPending.
 * @throws DataRefusedError when the run's data cannot become the canonical CSV; AzureMlError.
 */
export async function submitAzureMlJob(
    deps: ActivityDeps,
    input: SubmitJobInput,
): Promise<SubmittedJob | ClaimPending> {
    const { target, update, client } = azureMlTargetOf(deps, input.target);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    await models.createIfNotExists();
    const marker = models.getBlockBlobClient(`${target.name}/${input.runId}/job.json`);
    const name = deriveJobName(target.name, input.runId);
    return withClaim<SubmitProgress, SubmittedJob>(marker, { now: () => deps.now() }, async (claim) => {
        // A holder that died after its PUT left the job running: find it rather than write its data again.
        const existing = claim.progress ? await findJob(deps, target, name) : undefined;
        if (existing) return submitted(target, existing);
        const datastore = deps.datastore(target);
        await datastore.createIfNotExists();
        const path = `retrainer/${target.name}/${input.runId}/training.csv`;
        await writeCanonicalCsv(
            deps.blobs.getContainerClient(target.data.container),
            input.manifest.blobs,
            intakeSchemaOf(intakeDataOf(target)),
            datastore,
            path,
        );
        await claim.record({ phase: 'submitting', jobName: name });
        const job = await client.submitCommandJob({
            name,
            environmentId: update.job.environmentId,
            command: update.job.command,
            trainingDataUri: datastoreUri(target, path),
            ...(update.job.computeId ? { computeId: update.job.computeId } : {}),
            ...(update.job.experimentName ? { experimentName: update.job.experimentName } : {}),
            displayName: `${target.name} ${input.runId}`,
            literalInputs: { ...update.job.inputs, ...input.globalParameters },
            tags: { target: target.name, runId: input.runId, dataHash: input.manifest.runKey },
        });
        return submitted(target, job);
    });
}

async function findJob(deps: ActivityDeps, target: TargetConfig, name: string): Promise<JobInfo | undefined> {
    try {
        return await deps.azureml(target).getJob(name);
    } catch (err) {
        if (isAzureMlError(err) && err.statusCode === 404) return undefined;
        throw err;
    }
}

/** The job as the run records it: outputs where the service put them, or its default layout. */
function submitted(target: TargetConfig, job: JobInfo): SubmittedJob {
    const output = (key: string) => locationOf(job.outputs[key] ?? datastoreUri(target, `azureml/${job.name}/${key}/`));
    return { jobId: job.name, modelOutput: output('model'), evaluationOutput: output('metrics') };
}

/**
 * Azure ML's JobStatus (spec 2022-10-01) as the pipeline's JobState: `Completed` is `Finished`,
 * `Canceled` is `Cancelled`; `Failed`, `NotResponding` and `Paused` end the run as `Failed` (the
 * latter two never resume by themselves); statuses before running are `NotStarted`; the rest
 * (`Running`, `Finalizing`, `CancelRequested`, and any the spec adds later) are `Running`.
 */
export function jobStateOf(status: string): JobState {
    switch (status) {
        case 'Completed':
            return 'Finished';
        case 'Canceled':
            return 'Cancelled';
        case 'Failed':
        case 'NotResponding':
        case 'Paused':
            return 'Failed';
        case 'NotStarted':
        case 'Queued':
        case 'Preparing':
        case 'Provisioning':
        case 'Starting':
            return 'NotStarted';
        default:
            return 'Running';
    }
}

/** One status read of the command job (the orchestrator waits between reads on durable timers). */
export async function getAzureMlJobStatus(deps: ActivityDeps, input: JobRef): Promise<JobStatus> {
    const job = await deps.azureml(targetOf(deps, input.target)).getJob(input.jobId);
    const state = jobStateOf(job.status);
    const details =
        job.error ?? (state === 'Failed' && job.status !== 'Failed' ? `job status ${job.status}` : undefined);
    return details ? { state, details } : { state };
}

/** Requests the job's cancellation (the service stops it in the background). */
export async function cancelAzureMlJob(deps: ActivityDeps, input: JobRef): Promise<void> {
    await deps.azureml(targetOf(deps, input.target)).cancelJob(input.jobId);
}

/**
 * Reads the metrics the job wrote (`metrics.json` in its `metrics` output), for `evaluate` to judge
 * as for the other kinds. Metric names are kept in the pipeline's canonical spelling
 * (`AUC` -> `auc`), so champions compare across kinds and runs.
 * @returns metric name -> value.
 * @throws AzureMlError (the job cannot be read); whatever `readJobMetrics` throws for a missing or bad file.
 */
export async function readAzureMlMetrics(
    deps: ActivityDeps,
    target: TargetConfig,
    jobId: string,
): Promise<Record<string, number>> {
    const update = azureMlUpdateOf(target);
    const job = await deps.azureml(target).getJob(jobId);
    const raw = await readJobMetrics(job, { [update.datastore.name]: deps.datastore(target) });
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(raw)) metrics[canonicalMetricName(k)] = v;
    return metrics;
}
