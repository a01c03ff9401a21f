import { BlockBlobClient, RestError } from '@azure/storage-blob';

import type { BatchExecutionRequest } from '../clients';
import type { SubmitJobInput, SubmitJobResult, SubmittedJob } from '../orchestrators/contracts';
import { intakeDataOf, intakeSchemaOf } from '../retraining/intake';
import { ActivityDeps, targetOf } from './deps';
import { DataRefusedError, writeCanonicalCsv } from './mergeCsv';
import { baseLocation, blobSas } from './sas';

/** SAS tokens handed to BES outlive the job's deadline by this much, and no more. */
const SAS_MARGIN_IN_MS = 30 * 60_000;

/** The run's job as written under its folder; `started` is set once the start call succeeded. */
interface JobMarker extends SubmittedJob {
    started?: boolean;
}

/**
 * Submits and starts the target's BES training job for one run. Inputs and outputs are passed as
 * SAS URLs scoped to exactly the run's blobs (never the account key). Idempotent per run: the job
 * id is written under the run's folder as soon as BES answers the submit, before the start, so a
 * retry after a crash at any point past the submit finds it, starts it if it never was, and
 * submits nothing new. (BES does not deduplicate submits; the marker is the only guard.)
 * Throws DataRefusedError (named, deterministic) when the data cannot become the canonical CSV.
 */
export async function submitJob(deps: ActivityDeps, input: SubmitJobInput): Promise<SubmittedJob> {
    const target = targetOf(deps, input.target);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    await models.createIfNotExists();
    const folder = `${target.name}/${input.runId}`;
    const marker = models.getBlockBlobClient(`${folder}/job.json`);
    const existing = await readJson<JobMarker>(marker);
    if (existing) return existing.started === false ? startOnce(deps, input, marker, existing) : jobOf(existing);

    // BES always gets one canonical CSV (the target's columns in its order, clean rows), also for
    // one file: the service is as strict as ever, the users' files are not.
    const data = deps.blobs.getContainerClient(target.data.container);
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
    const request: BatchExecutionRequest = {
        Inputs: {
            [target.training.inputName]: {
                BaseLocation: base,
                RelativeLocation: `${input1.container}/${input1.blob}`,
                SasBlobToken: await blobSas(deps.blobs, input1.container, input1.blob, 'r', now, validFor),
            },
        },
        Outputs: {
            [target.training.modelOutputName]: await output('model.ilearner'),
            [target.training.evaluationOutputName]: await output('evaluation.csv'),
        },
        GlobalParameters: { ...target.training.globalParameters, ...input.globalParameters },
    };
    const jobId = await deps.bes(target).submitJob(request);
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
    await writeJson(marker, { ...job, started: false });
    return startOnce(deps, input, marker, job);
}

/**
 * The submit activity as registered: a DataRefusedError comes back as `{ refused }` instead of
 * failing the activity, because the durable retry policy would run a deterministic failure again
 * (3 attempts, ~50 s) for nothing. Other errors are thrown and retried as before.
 */
export async function submitJobActivity(deps: ActivityDeps, input: SubmitJobInput): Promise<SubmitJobResult> {
    try {
        return await submitJob(deps, input);
    } catch (err) {
        if (!(err instanceof DataRefusedError)) throw err;
        return { refused: { error: err.name, reason: err.message, ...(err.detail ? { detail: err.detail } : {}) } };
    }
}

/** Starts the recorded job; startJob accepts a job that already runs (a crash after start, before the marker update). */
async function startOnce(
    deps: ActivityDeps,
    input: SubmitJobInput,
    marker: BlockBlobClient,
    job: SubmittedJob,
): Promise<SubmittedJob> {
    await deps.bes(targetOf(deps, input.target)).startJob(job.jobId);
    await writeJson(marker, { ...jobOf(job), started: true });
    return jobOf(job);
}

function jobOf(m: JobMarker): SubmittedJob {
    return { jobId: m.jobId, modelOutput: m.modelOutput, evaluationOutput: m.evaluationOutput };
}

async function writeJson(blob: BlockBlobClient, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    await blob.upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
}

async function readJson<T>(blob: { downloadToBuffer(): Promise<Buffer> }): Promise<T | undefined> {
    try {
        return JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as T;
    } catch (err) {
        if (err instanceof RestError && err.statusCode === 404) return undefined;
        throw err;
    }
}
