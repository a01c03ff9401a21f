import type { StudioContext } from '../context';
import { StorageAccessError, assertBlobExists, deleteBlobQuietly, openBlob, writeBlob } from '../storage';
import type { JobRecord } from '../state';
import { TrainingError, trainExperiment } from '../training';

/**
 * Runs started BES jobs in the background, a bounded number at a time, moving each through
 * Running to Finished, Failed or Cancelled. Outputs are written only after training succeeds, so
 * a failed job leaves no model behind.
 */
export class JobRunner {
    private readonly running = new Map<string, AbortController>();
    private readonly waiting: string[] = [];
    private closed = false;

    constructor(
        private readonly ctx: StudioContext,
        private readonly concurrency = 2,
    ) {}

    enqueue(jobKey: string): void {
        this.waiting.push(jobKey);
        this.pump();
    }

    cancel(jobKey: string): void {
        this.running.get(jobKey)?.abort();
        const i = this.waiting.indexOf(jobKey);
        if (i >= 0) this.waiting.splice(i, 1);
    }

    /**
     * Resolves once no job is running or waiting (each run's final state persisted), polling
     * every 10 ms up to `timeoutInMs`; tests use it to prove nothing more happens to a job.
     * @throws Error when jobs are still running after `timeoutInMs`.
     */
    async idle(timeoutInMs = 30_000): Promise<void> {
        const deadline = Date.now() + timeoutInMs;
        while (this.running.size > 0 || this.waiting.length > 0) {
            if (Date.now() > deadline) throw new Error(`jobs still running after ${timeoutInMs} ms`);
            await new Promise((r) => setTimeout(r, 10));
        }
    }

    async close(): Promise<void> {
        this.closed = true;
        this.waiting.length = 0;
        for (const c of this.running.values()) c.abort();
        while (this.running.size > 0) await new Promise((r) => setTimeout(r, 10));
    }

    private pump(): void {
        while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
            const key = this.waiting.shift()!;
            const controller = new AbortController();
            this.running.set(key, controller);
            void this.run(key, controller.signal).finally(() => {
                this.running.delete(key);
                this.pump();
            });
        }
    }

    private async run(key: string, signal: AbortSignal): Promise<void> {
        const job = this.ctx.state.jobs[key];
        if (!job || job.status !== 'Running') return;
        const ref = this.ctx.service(job.serviceId);
        if (!ref || ref.kind !== 'training') return this.end(job, 'Failed', 'The training service no longer exists.');
        const scopes = [job.serviceId];
        const started = Date.now();
        const written: string[] = [];
        try {
            if (this.ctx.faults.behaviour(scopes, 'jobNeverFinishes')) {
                await this.ctx.sleep(2 ** 31 - 1, signal);
            }
            const failure = this.ctx.faults.behaviour(scopes, 'jobFailure');
            if (failure) throw new TrainingError('ModuleExecutionError', failure);
            const seed = ref.seed;
            const input = job.inputs[seed.inputName];
            await assertBlobExists(input, seed.inputName);
            const outcome = await trainExperiment(openBlob(input, signal), seed.experiment, job.globalParameters, {
                abortSignal: signal,
                now: this.ctx.now,
            });
            const minimum = this.ctx.faults.behaviour(scopes, 'jobDurationInMs') ?? 0;
            const left = minimum - (Date.now() - started);
            if (left > 0) await this.ctx.sleep(left, signal);
            const outputs: [string, Buffer | string, string][] = [
                [seed.modelOutputName, outcome.ilearner, 'application/octet-stream'],
                [seed.evaluationOutputName, outcome.evaluationCsv, 'text/csv'],
            ];
            for (const [name, bytes, type] of outputs) {
                if (signal.aborted) throw new TrainingError('Cancelled', 'The job was cancelled.');
                written.push(name);
                await writeBlob(job.outputs[name], bytes, type, signal);
            }
            if (signal.aborted) throw new TrainingError('Cancelled', 'The job was cancelled.');
            this.ctx.log(
                `job ${job.id} finished: ${outcome.trainingRows} training rows, ${outcome.holdoutRows} held out`,
            );
            await this.end(job, 'Finished');
        } catch (err) {
            if (signal.aborted || (err instanceof TrainingError && err.code === 'Cancelled')) {
                if (this.closed) return; // shutting down: stays Running, re-run on next start
                // Cancelled while writing outputs: a cancelled job leaves no model behind.
                for (const name of written) await deleteBlobQuietly(job.outputs[name]);
                return this.end(job, 'Cancelled', 'The job was cancelled.');
            }
            const details =
                err instanceof TrainingError || err instanceof StorageAccessError
                    ? err.message
                    : 'The job failed with an internal error.';
            if (!(err instanceof TrainingError || err instanceof StorageAccessError)) {
                this.ctx.log(`job ${job.id} internal error: ${err instanceof Error ? err.name : 'unknown'}`);
            }
            this.ctx.log(`job ${job.id} failed: ${details}`);
            await this.end(job, 'Failed', details);
        }
    }

    private async end(job: JobRecord, status: JobRecord['status'], details?: string): Promise<void> {
        if (job.status !== 'Running') return;
        job.status = status;
        if (details !== undefined) job.details = details;
        job.endedAt = this.ctx.now().toISOString();
        await this.ctx.persist();
    }
}
