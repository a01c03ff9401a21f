import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { UpdateTrainedModelPoller, WebServiceClient } from '../../../src/clients/arm/webServiceClient';
import { BatchExecutionClient } from '../../../src/clients/bes/batchExecutionClient';
import { isMlServiceError } from '../../../src/clients/errors';
import type { ClientOptions, OutgoingRequest } from '../../../src/clients/options';
import { ScoringClient } from '../../../src/clients/scoring/scoringClient';
import { validateArmWebService } from '../../../src/local/studio/arm/schema';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { attemptLog } from '../attemptLog';
import {
    ARM_SERVICE,
    ARM_SERVICE_ID,
    capturingLogger,
    RESOURCE_GROUP,
    SECRETS,
    startStudio,
    StudioFixture,
    SUBSCRIPTION,
    trainModel,
    TRAINED_MODEL,
} from '../studioFixture';
import { eventually } from '../../helpers/environment';

/** The Azure-AsyncOperation URL core-lro is following, from the poller's serialized state. */
function operationUrlOf(poller: UpdateTrainedModelPoller): string {
    return (JSON.parse(poller.toString()) as { state: { config: { operationLocation: string } } }).state.config
        .operationLocation;
}

describe('WebServiceClient against the studio emulator', () => {
    let fx: StudioFixture;
    const sent: OutgoingRequest[] = [];
    const log = capturingLogger();
    before(async () => {
        fx = await startStudio();
    });
    after(() => fx.studio.close());
    const arm = (options: ClientOptions = {}, secret: string = SECRETS.armTokenSecret): WebServiceClient =>
        new WebServiceClient(fx.url, SUBSCRIPTION, RESOURCE_GROUP, new EmulatorCredential(secret), {
            logger: log.logger,
            onRequest: (r) => sent.push(r),
            ...options,
        });
    const newModel = async (): Promise<string> => {
        const job = await trainModel(
            fx,
            new BatchExecutionClient(fx.besUrl(), SECRETS.trainingKey, { logger: log.logger }),
        );
        assert.equal(job.status, 'Finished', job.details);
        return job.results.output1.uri();
    };

    it('reads the definition without keys, and lists keys with GET', async () => {
        const ws = await arm().getWebService(ARM_SERVICE);
        assert.equal(ws.name, ARM_SERVICE);
        assert.equal(ws.properties.keys, undefined);
        const keys = await arm().listKeys(ARM_SERVICE);
        assert.deepEqual(keys, { primary: SECRETS.armPrimary, secondary: SECRETS.armSecondary });
    });

    it('swaps the trained model, follows Azure-AsyncOperation, confirms, and scores with it', async () => {
        sent.length = 0;
        const uri = await newModel();
        const poller = await arm().beginUpdateTrainedModel(ARM_SERVICE, TRAINED_MODEL, uri, { updateIntervalInMs: 25 });
        assert.ok(operationUrlOf(poller).includes('/operationsStatus/'));
        const result = await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(20_000) });
        assert.equal(result.newUri, uri);
        assert.equal(result.updated, true);
        assert.equal(await arm().getTrainedModelUri(ARM_SERVICE, TRAINED_MODEL), uri);
        const puts = sent.filter((r) => r.method === 'PUT');
        assert.equal(puts.length, 1);
        assert.deepEqual(validateArmWebService(puts[0]?.body, 'request'), []);
        const scoring = new ScoringClient(
            `${fx.url}/subscriptions/${SUBSCRIPTION}/services/${ARM_SERVICE_ID}`,
            SECRETS.armPrimary,
            {
                logger: log.logger,
            },
        );
        const table = await scoring.score(['tenure', 'charges'], [[2, 118]]);
        assert.equal(table.rows[0]?.[table.columnNames.indexOf('Scored Labels')], '1');
    });

    it('is idempotent: a second update to the same uri sends no PUT', async () => {
        const uri = await arm().getTrainedModelUri(ARM_SERVICE, TRAINED_MODEL);
        sent.length = 0;
        const result = await (await arm().beginUpdateTrainedModel(ARM_SERVICE, TRAINED_MODEL, uri)).pollUntilDone();
        assert.equal(result.updated, false);
        assert.ok(!sent.some((r) => r.method === 'PUT'));
    });

    it('names the problem when the trained-model asset is absent', async () => {
        await assert.rejects(
            arm().beginUpdateTrainedModel(ARM_SERVICE, 'Missing [trained model]', 'https://x/y.ilearner'),
            (e: unknown) => {
                return (
                    isMlServiceError(e) && e.code === 'TrainedModelAssetNotFound' && e.message.includes(TRAINED_MODEL)
                );
            },
        );
    });

    it('surfaces a failed provisioning operation and leaves the old model serving', async () => {
        const before = await arm().getTrainedModelUri(ARM_SERVICE, TRAINED_MODEL);
        const uri = await newModel();
        fx.studio.faults.set(ARM_SERVICE, { armOperationFails: 'Simulated provisioning failure' });
        try {
            const poller = await arm().beginUpdateTrainedModel(ARM_SERVICE, TRAINED_MODEL, uri, {
                updateIntervalInMs: 25,
            });
            await assert.rejects(poller.pollUntilDone({ abortSignal: AbortSignal.timeout(20_000) }), (e: unknown) => {
                return isMlServiceError(e) && /Simulated provisioning failure/.test(e.message);
            });
        } finally {
            fx.studio.faults.clear(ARM_SERVICE);
        }
        assert.equal(await arm().getTrainedModelUri(ARM_SERVICE, TRAINED_MODEL), before);
    });

    it('gives up at its deadline while the operation runs on', async () => {
        const uri = await newModel();
        fx.studio.faults.set(ARM_SERVICE, { armOperationDurationInMs: 3000 });
        const client = arm();
        const poller = await client.beginUpdateTrainedModel(ARM_SERVICE, TRAINED_MODEL, uri, {
            updateIntervalInMs: 50,
        });
        try {
            await assert.rejects(poller.pollUntilDone({ abortSignal: AbortSignal.timeout(300) }), (e: unknown) => {
                return isMlServiceError(e) && e.code === 'DeadlineExceeded' && e.transient;
            });
            const single = await client.getOperationStatus(operationUrlOf(poller));
            assert.equal(single.status, 'InProgress');
        } finally {
            fx.studio.faults.clear(ARM_SERVICE);
            // The service refuses a second update while this one runs (409), as ARM does: let it end.
            await eventually(
                async () =>
                    (await client.getOperationStatus(operationUrlOf(poller))).status !== 'InProgress'
                        ? true
                        : undefined,
                'the update to end',
            );
        }
    });

    it('retries a 503 on the PUT and a 429 on the operation poll', async () => {
        const attempts = attemptLog();
        const uri = await newModel();
        fx.studio.faults.set(ARM_SERVICE, {
            http: [
                { operation: 'armPut', status: 503, times: 1 },
                { operation: 'armOperation', status: 429, retryAfterSeconds: 1, times: 1 },
            ],
        });
        try {
            const client = arm({ logger: attempts.logger, retryOptions: { retryDelayInMs: 10 } });
            const poller = await client.beginUpdateTrainedModel(ARM_SERVICE, TRAINED_MODEL, uri, {
                updateIntervalInMs: 25,
            });
            const result = await poller.pollUntilDone({ abortSignal: AbortSignal.timeout(20_000) });
            assert.equal(result.newUri, uri);
            assert.ok(attempts.lines.some((l) => /ARM updateTrainedModel attempt 1: HTTP 503/.test(l)));
            assert.ok(attempts.lines.some((l) => /ARM getOperationStatus attempt 1: HTTP 429/.test(l)));
            const waits = attempts.waitsInMs();
            assert.equal(waits.length, 2, attempts.lines.join('\n'));
            assert.ok(waits[1] >= 998, `Retry-After honoured: ${waits.join(',')}`);
        } finally {
            fx.studio.faults.clear(ARM_SERVICE);
        }
    });

    it('a bad token is a 401, not retried, and no token or secret surfaces', async () => {
        const err = await arm({}, 'not-the-secret-value')
            .getWebService(ARM_SERVICE)
            .then(
                () => assert.fail('expected 401'),
                (e: unknown) => e as Error,
            );
        assert.ok(isMlServiceError(err) && err.statusCode === 401);
        const everything = [
            err.message,
            String(err),
            JSON.stringify(err),
            err.stack ?? '',
            ...log.lines,
            JSON.stringify(sent),
        ].join('\n');
        assert.ok(!/studio\.\d+\.[A-Za-z0-9_-]{20,}/.test(everything), 'a bearer token leaked');
        for (const s of [SECRETS.armTokenSecret, SECRETS.armPrimary, SECRETS.armSecondary, SECRETS.trainingKey]) {
            assert.ok(!everything.includes(s), `${s} leaked`);
        }
    });
});
