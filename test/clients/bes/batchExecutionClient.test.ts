import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BatchExecutionClient } from '../../../src/clients/bes/batchExecutionClient';
import type { ClientOptions } from '../../../src/clients/options';
import { isMlServiceError, MlServiceError } from '../../../src/clients/errors';
import { parseEvaluationCsv } from '../../../src/retraining/metrics';
import { attemptLog } from '../attemptLog';
import {
    callCount,
    capturingLogger,
    SECRETS,
    startStudio,
    StudioFixture,
    trainModel,
    waitForJob,
} from '../studioFixture';

async function failure(p: Promise<unknown>): Promise<MlServiceError> {
    try {
        await p;
    } catch (e: unknown) {
        assert.ok(isMlServiceError(e), String(e));
        return e;
    }
    assert.fail('expected a failure');
}

describe('BatchExecutionClient against the studio emulator', () => {
    let fx: StudioFixture;
    before(async () => {
        fx = await startStudio();
    });
    after(() => fx.studio.close());
    const bes = (
        options: ClientOptions = {},
        serviceId = 'churn-training',
        key: string = SECRETS.trainingKey,
    ): BatchExecutionClient =>
        new BatchExecutionClient(fx.besUrl(serviceId), key, { logger: capturingLogger().logger, ...options });

    it('submits, starts and reads a job to Finished with typed output locations and real metrics', async () => {
        const client = bes();
        const job = await trainModel(fx, client);
        assert.equal(job.status, 'Finished', job.details);
        const model = job.results.output1;
        const evaluation = job.results.output2;
        assert.ok(model && evaluation);
        assert.match(model.relativeLocation, /^models-.*\/model\.ilearner$/);
        assert.ok(model.sasBlobToken.includes('sig='), 'a SAS to read the model with');
        const res = await fetch(evaluation.url());
        assert.equal(res.status, 200);
        const metrics = parseEvaluationCsv(await res.text());
        assert.equal(metrics.kind, 'binaryClassification');
        if (metrics.kind === 'binaryClassification')
            assert.ok(metrics.auc > 0.5 && metrics.auc <= 1, String(metrics.auc));
    });

    it('reads numeric StatusCodes from a service that emits them', async () => {
        const client = bes({}, 'churn-training-num', SECRETS.trainingNumericKey);
        const jobId = await client.submitJob({
            Inputs: { input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput } },
            Outputs: {
                output1: {
                    ConnectionString: fx.storage.connectionString,
                    RelativeLocation: `${fx.modelsContainer}/num/model.ilearner`,
                },
                output2: {
                    ConnectionString: fx.storage.connectionString,
                    RelativeLocation: `${fx.modelsContainer}/num/evaluation.csv`,
                },
            },
        });
        assert.equal((await client.getJob(jobId)).status, 'NotStarted');
        await client.startJob(jobId);
        assert.equal((await waitForJob(client, jobId)).status, 'Finished');
    });

    it('cancels a running job', async () => {
        fx.studio.faults.set('churn-training', { jobNeverFinishes: true });
        try {
            const client = bes();
            const jobId = await client.submitJob({
                Inputs: {
                    input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput },
                },
                Outputs: {
                    output1: {
                        ConnectionString: fx.storage.connectionString,
                        RelativeLocation: `${fx.modelsContainer}/c/model.ilearner`,
                    },
                },
            });
            await client.startJob(jobId);
            assert.equal((await client.getJob(jobId)).status, 'Running');
            await client.cancelJob(jobId);
            assert.equal((await client.getJob(jobId)).status, 'Cancelled');
        } finally {
            fx.studio.faults.clear('churn-training');
        }
    });

    it('does not retry a permanent 400 and reports the inner code', async () => {
        const before = await callCount(fx, 'submitJob');
        const err = await failure(
            bes().submitJob({
                Inputs: {
                    input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput },
                },
                Outputs: {
                    output1: {
                        ConnectionString: fx.storage.connectionString,
                        RelativeLocation: `${fx.modelsContainer}/x/model.csv`,
                    },
                },
            }),
        );
        assert.equal(err.statusCode, 400);
        assert.equal(err.innerCode, 'InvalidBlobExtension');
        assert.ok(err.requestId, 'request id from x-ms-request-id');
        assert.match(err.message, /^BES submitJob failed: 400 BadArgument \(InvalidBlobExtension\)/);
        assert.equal((await callCount(fx, 'submitJob')) - before, 1);
    });

    it('honours Retry-After on 429 before retrying', async () => {
        const log = attemptLog();
        fx.studio.faults.set('churn-training', {
            http: [{ operation: 'getJobStatus', status: 429, retryAfterSeconds: 1, times: 2 }],
        });
        try {
            const client = bes({ logger: log.logger });
            const jobId = await client.submitJob({
                Inputs: {
                    input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput },
                },
            });
            const before = await callCount(fx, 'getJobStatus');
            assert.equal((await client.getJob(jobId)).status, 'NotStarted');
            assert.equal((await callCount(fx, 'getJobStatus')) - before, 3);
            const waits = log.waitsInMs();
            assert.equal(waits.length, 2);
            for (const w of waits) assert.ok(w >= 998, `waited ${w} ms, Retry-After said 1 s`);
        } finally {
            fx.studio.faults.clear('churn-training');
        }
    });

    it('retries a 503 and then succeeds', async () => {
        const log = attemptLog();
        fx.studio.faults.set('churn-training', { http: [{ operation: 'submitJob', status: 503, times: 1 }] });
        try {
            const before = await callCount(fx, 'submitJob');
            const id = await bes({ logger: log.logger, retryOptions: { retryDelayInMs: 10 } }).submitJob({
                Inputs: {
                    input1: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput },
                },
            });
            assert.ok(id.length > 0);
            assert.equal((await callCount(fx, 'submitJob')) - before, 2);
            assert.equal(log.waitsInMs().length, 1);
        } finally {
            fx.studio.faults.clear('churn-training');
        }
    });

    it('stops with DeadlineExceeded when throttling outlasts the call budget', async () => {
        fx.studio.faults.set('churn-training', {
            http: [{ operation: 'submitJob', status: 429, retryAfterSeconds: 2 }],
        });
        try {
            const client = bes({ retryOptions: { maxRetryTimeInMs: 500, maxRetries: 10 } });
            const err = await failure(client.submitJob({ Inputs: {} }));
            assert.equal(err.code, 'DeadlineExceeded');
            assert.equal(err.statusCode, undefined);
            assert.equal(err.transient, true);
            assert.match(err.message, /^BES submitJob failed: DeadlineExceeded/);
        } finally {
            fx.studio.faults.clear('churn-training');
        }
    });

    it('times out a stalled response: Timeout, transient, not retried by the client', async () => {
        fx.studio.faults.set('churn-training', { http: [{ operation: 'getJobStatus', delayInMs: 3000 }] });
        try {
            const before = await callCount(fx, 'getJobStatus');
            const client = bes({ timeoutInMs: 100 });
            const err = await failure(client.getJob('any'));
            assert.equal(err.code, 'Timeout');
            assert.equal(err.transient, true);
            assert.equal(err.statusCode, undefined);
            assert.equal((await callCount(fx, 'getJobStatus')) - before, 1);
        } finally {
            fx.studio.faults.clear('churn-training');
        }
    });

    it('never lets the API key, account key or SAS reach errors or logs', async () => {
        const { lines, logger } = capturingLogger();
        const wrongKey = 'contract-wrong-key-55aa77';
        const unauthorised = await failure(new BatchExecutionClient(fx.besUrl(), wrongKey, { logger }).getJob('x'));
        assert.equal(unauthorised.statusCode, 401);
        const verbose = new BatchExecutionClient(fx.besUrl(), SECRETS.trainingKey, { logger });
        const job = await trainModel(fx, verbose);
        const sas = job.results.output1?.sasBlobToken ?? '';
        const sig = /sig=([^&]+)/.exec(sas)?.[1] ?? '';
        assert.ok(sig.length > 0);
        const badInput = await failure(
            verbose.submitJob({
                Inputs: {
                    inputX: { ConnectionString: fx.storage.connectionString, RelativeLocation: fx.trainingInput },
                },
                Outputs: {
                    output1: { BaseLocation: 'http://127.0.0.1/', RelativeLocation: 'c/m.csv', SasBlobToken: sas },
                },
            }),
        );
        const accountKey = /AccountKey=([^;]+)/.exec(fx.storage.connectionString)?.[1] ?? '';
        const surfaces = [unauthorised, badInput].flatMap((e) => [
            e.message,
            String(e),
            JSON.stringify(e),
            e.stack ?? '',
        ]);
        for (const text of [...surfaces, ...lines, JSON.stringify(job)]) {
            for (const secret of [wrongKey, SECRETS.trainingKey, accountKey, sig]) {
                assert.ok(!text.includes(secret), `secret leaked: ${text}`);
            }
        }
    });
});
