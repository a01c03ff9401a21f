import type { JobRef, JobStatus } from '../orchestrators/contracts';
import { cancelAzureMlJob, getAzureMlJobStatus } from './azureml';
import { ActivityDeps, targetOf } from './deps';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { JobRef };

/** One status read; the orchestrator waits between reads on durable timers, never in here. */
export async function getJobStatus(deps: ActivityDeps, input: JobRef): Promise<JobStatus> {
    if (targetOf(deps, input.target).update.kind === 'azureml') return getAzureMlJobStatus(deps, input);
    const job = await deps.bes(targetOf(deps, input.target)).getJob(input.jobId);
    return job.details ? { state: job.status, details: job.details } : { state: job.status };
}

export async function cancelJob(deps: ActivityDeps, input: JobRef): Promise<void> {
    if (targetOf(deps, input.target).update.kind === 'azureml') return cancelAzureMlJob(deps, input);
    await deps.bes(targetOf(deps, input.target)).cancelJob(input.jobId);
}
