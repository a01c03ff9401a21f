import { MlServiceError } from '../errors';
import type { AbortSignalLike } from '../options';
import type { AsyncOperationStatus, OperationState, UpdateTrainedModelResult } from './types';

/** Everything needed to resume watching an update, e.g. after a process restart. */
export interface UpdateTrainedModelState {
    webServiceName: string;
    trainedModelName: string;
    previousUri: string;
    newUri: string;
    /** The `Azure-AsyncOperation` URL; absent when the PUT completed synchronously or was skipped. */
    operationUrl?: string;
    status: OperationState;
    updated: boolean;
}

export interface PollUntilDoneOptions {
    abortSignal?: AbortSignalLike;
    /** Default 2 s. */
    pollIntervalInMs?: number;
    /** Deadline for the whole wait (default 10 min). */
    timeoutInMs?: number;
}

/** What the poller needs from its client; injected so the poller holds no HTTP itself. */
export interface UpdatePollerHost {
    getOperationStatus(url: string, options: { abortSignal?: AbortSignalLike }): Promise<AsyncOperationStatus>;
    readTrainedModelUri(
        name: string,
        trainedModelName: string,
        options: { abortSignal?: AbortSignalLike },
    ): Promise<string>;
    sleep(ms: number, abortSignal?: AbortSignalLike): Promise<boolean>;
    now(): number;
}

const OPERATION = 'ARM updateTrainedModel';

/**
 * A long-running trained-model swap in the Azure SDK poller shape: `poll()` once, `pollUntilDone()`,
 * `toString()` to persist and `WebServiceClient.resumeUpdateTrainedModel()` to continue. Stopping
 * the poll does not undo the remote update.
 */
export class UpdateTrainedModelPoller {
    #state: UpdateTrainedModelState;
    readonly #host: UpdatePollerHost;

    constructor(state: UpdateTrainedModelState, host: UpdatePollerHost) {
        this.#state = { ...state };
        this.#host = host;
    }

    get state(): Readonly<UpdateTrainedModelState> {
        return this.#state;
    }

    isDone(): boolean {
        return this.#state.status !== 'InProgress';
    }

    /** One status read. Throws when the operation has failed. */
    async poll(options: { abortSignal?: AbortSignalLike } = {}): Promise<OperationState> {
        if (this.isDone() || !this.#state.operationUrl) {
            if (this.#state.status === 'InProgress') this.#state.status = 'Succeeded';
        } else {
            const op = await this.#host.getOperationStatus(this.#state.operationUrl, options);
            this.#state.status = op.status;
            if (op.status === 'Failed' || op.status === 'Canceled') {
                throw new MlServiceError({
                    operation: OPERATION,
                    code: op.error?.code ?? (op.status === 'Failed' ? 'OperationFailed' : 'OperationCanceled'),
                    detail: `web service '${this.#state.webServiceName}': ${op.error?.message ?? op.provisioningState}`,
                });
            }
        }
        return this.#state.status;
    }

    /** Polls until Succeeded (then reads the definition back to confirm the uri) or the deadline. */
    async pollUntilDone(options: PollUntilDoneOptions = {}): Promise<UpdateTrainedModelResult> {
        const interval = options.pollIntervalInMs ?? 2000;
        const deadline = this.#host.now() + (options.timeoutInMs ?? 600_000);
        while ((await this.poll(options)) === 'InProgress') {
            if (this.#host.now() + interval > deadline) {
                throw new MlServiceError({
                    operation: OPERATION,
                    code: 'DeadlineExceeded',
                    detail: `web service '${this.#state.webServiceName}' still updating after ${options.timeoutInMs ?? 600_000} ms`,
                    transient: true,
                });
            }
            if (!(await this.#host.sleep(interval, options.abortSignal))) {
                throw new MlServiceError({ operation: OPERATION, code: 'Aborted', detail: 'the wait was aborted' });
            }
        }
        const actual = await this.#host.readTrainedModelUri(
            this.#state.webServiceName,
            this.#state.trainedModelName,
            options,
        );
        if (actual !== this.#state.newUri) {
            // Seen in the wild (azure-docs#41738): PUT succeeds yet GET still shows the old model.
            throw new MlServiceError({
                operation: OPERATION,
                code: 'UpdateNotReflected',
                detail: `web service '${this.#state.webServiceName}' reports Succeeded but its trained model is still ${actual}`,
            });
        }
        const { webServiceName, previousUri, newUri, updated } = this.#state;
        return { webServiceName, previousUri, newUri, updated };
    }

    toString(): string {
        return JSON.stringify(this.#state);
    }
}
