import { MlServiceError } from '../clients';
import type { BatchExecutionRequest } from '../clients';
import type { ClaimPending } from '../orchestrators/claims';
import type { SubmitJobInput, SubmitJobResult, SubmittedJob } from '../orchestrators/contracts';
import { besTrainingOf } from '../retraining/config';
import { intakeDataOf, intakeSchemaOf } from '../retraining/intake';
import { submitAzureMlJob } from './azureml';
import { withClaim } from './claim';
import { ActivityDeps, targetOf } from './deps';
import { DataRefusedError, writeCanonicalCsv } from './mergeCsv';
import { baseLocation, blobSas } from './sas';

/** SAS tokens handed to BES outlive the job's deadline by this much, and no more. */
const SAS_MARGIN_IN_MS = 30 * 60_000;

/** What job.json held before claims: the job, `started` once the start call succeeded. */
interface LegacyJobMarker extends SubmittedJob {
    started?: boolean;
}

/**
 * What the submit claim's holder records: `submitting` is written before the BES submit, so a copy
 * that takes over from a holder that died there knows a job may exist that nobody will start.
 */
interface SubmitProgress {
    phase: 'idle' | 'submitting' | 'submitted';
    job?: SubmittedJob;
    unstartedSubmits: number;
}

/**
 * Submits and starts the target's BES training job for one run. Inputs and outputs are passed as
 * SAS URLs scoped to exactly the run's blobs (never the account key). At most one copy acts at a
 * time, even when two copies of the activity run at once: the run's `job.json` is a claim (see
 * `withClaim`) taken before the submit; the job id is recorded as soon as BES answers, so a copy
 * that takes over from a dead holder starts that job and submits nothing new. BES does not
 * deduplicate submits: if a holder dies after sending the submit and before recording the answer,
 * the next copy submits again and the unstarted job is counted in `unstartedSubmits`.
 *
 * @returns the started job, or a ClaimPending when another copy holds the claim (ask again later).
 */
export async function submitJob(deps: ActivityDeps, input: SubmitJobInput): Promise<SubmittedJob | ClaimPending> {
    const target = targetOf(deps, input.target);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    await models.createIfNotExists();
    const folder = `${target.name}/${input.runId}`;
    const marker = models.getBlockBlobClient(`${folder}/job.json`);
    return withClaim<SubmitProgress, SubmittedJob>(
        marker,
        { now: () => deps.now(), legacy: legacyJob },
        async (claim) => {
            let unstarted = claim.progress?.unstartedSubmits ?? 0;
            const known = claim.progress?.job;
            if (known) return startOnce(deps, input, claim.record, known, unstarted);
            if (claim.progress?.phase === 'submitting') unstarted += 1;
            const request = await buildRequest(deps, input, folder);
            await claim.record({ phase: 'submitting', unstartedSubmits: unstarted });
            let jobId: string;
            try {
                jobId = await deps.bes(target).submitJob(request);
            } catch (err) {
                // A refusal (4xx) created no job; any other failure may have, so it stays counted.
                const status = err instanceof MlServiceError ? (err.statusCode ?? 0) : 0;
                if (status >= 400 && status < 500) await claim.record({ phase: 'idle', unstartedSubmits: unstarted });
                throw err;
            }
            const base = baseLocation(deps.blobs);
            const job: SubmittedJob = {
                jobId,
                modelOutput: {
                    baseLocation: base,
                    relativeLocation: `${target.modelOutput.container}/${folder}/model.ilearner`,
                },
                evaluationOutput: {
                    baseLocation: base,
                    relativeLocation: `${target.modelOutput.container}/${folder}/evaluation.csv`,
                },
            };
            return startOnce(deps, input, claim.record, job, unstarted);
        },
    );
}

async function buildRequest(deps: ActivityDeps, input: SubmitJobInput, folder: string): Promise<BatchExecutionRequest> {
    const target = targetOf(deps, input.target);
    const training = besTrainingOf(target);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    const data = deps.blobs.getContainerClient(target.data.container);
    // BES always gets one canonical CSV (the target's columns in its order, clean rows), also for
    // one file: the service is as strict as ever, the users' files are not.
    const input1 = { container: target.modelOutput.container, blob: `${folder}/training.csv` };
    await writeCanonicalCsv(data, input.manifest.blobs, intakeSchemaOf(intakeDataOf(target)), models, input1.blob);
    const now = deps.now();
    const validFor = target.job.deadlineInMs + SAS_MARGIN_IN_MS;
    const base = baseLocation(deps.blobs);
    const output = async (name: string) => ({
        BaseLocation: base,
        RelativeLocation: `${target.modelOutput.container}/${folder}/${name}`,
        SasBlobToken: await blobSas(deps.blobs, target.modelOutput.container, `${folder}/${name}`, 'cw', now, validFor),
    });
    return {
        Inputs: {
            [training.inputName]: {
                BaseLocation: base,
                RelativeLocation: `${input1.container}/${input1.blob}`,
                SasBlobToken: await blobSas(deps.blobs, input1.container, input1.blob, 'r', now, validFor),
            },
        },
        Outputs: {
            [training.modelOutputName]: await output('model.ilearner'),
            [training.evaluationOutputName]: await output('evaluation.csv'),
        },
        GlobalParameters: { ...training.globalParameters, ...input.globalParameters },
    };
}

/** Records the job, then starts it; startJob accepts a job that already runs (a holder died after its start). */
async function startOnce(
    deps: ActivityDeps,
    input: SubmitJobInput,
    record: (p: SubmitProgress) => Promise<void>,
    job: SubmittedJob,
    unstartedSubmits: number,
): Promise<SubmittedJob> {
    await record({ phase: 'submitted', job, unstartedSubmits });
    await deps.bes(targetOf(deps, input.target)).startJob(job.jobId);
    return unstartedSubmits > 0 ? { ...jobOf(job), unstartedSubmits } : jobOf(job);
}

function legacyJob(raw: unknown): { progress?: SubmitProgress; result?: SubmittedJob } {
    const m = raw as LegacyJobMarker;
    return m.started === false
        ? { progress: { phase: 'submitted', job: jobOf(m), unstartedSubmits: 0 } }
        : { result: jobOf(m) };
}

function jobOf(m: SubmittedJob): SubmittedJob {
    return { jobId: m.jobId, modelOutput: m.modelOutput, evaluationOutput: m.evaluationOutput };
}

/**
 * The submit activity as registered: a DataRefusedError (thrown before any claim or job, while the
 * canonical CSV is written) comes back as `{ refused }` instead of failing the activity, because the
 * durable retry policy would run a deterministic failure again (3 attempts, ~50 s) for nothing.
 * Other errors are thrown and retried as before; a pending claim passes through.
 */
export async function submitJobActivity(
    deps: ActivityDeps,
    input: SubmitJobInput,
): Promise<SubmitJobResult | ClaimPending> {
    try {
        const azureml = targetOf(deps, input.target).update.kind === 'azureml';
        return await (azureml ? submitAzureMlJob(deps, input) : submitJob(deps, input));
    } catch (err) {
        if (!(err instanceof DataRefusedError)) throw err;
        return { refused: { error: err.name, reason: err.message, ...(err.detail ? { detail: err.detail } : {}) } };
    }
}
