import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { BatchExecutionClient } from '../../../src/clients/bes/batchExecutionClient';
import { ClassicEndpointClient } from '../../../src/clients/classic/classicEndpointClient';
import { isMlServiceError } from '../../../src/clients/errors';
import { ScoringClient } from '../../../src/clients/scoring/scoringClient';
import { attemptLog } from '../attemptLog';
import {
    callCount,
    capturingLogger,
    CLASSIC_SERVICE,
    SECRETS,
    startStudio,
    StudioFixture,
    trainModel,
    TRAINED_MODEL,
    WORKSPACE,
} from '../studioFixture';

describe('ClassicEndpointClient and ScoringClient against the studio emulator', () => {
    let fx: StudioFixture;
    let classic: ClassicEndpointClient;
    const log = capturingLogger();
    before(async () => {
        fx = await startStudio();
        classic = new ClassicEndpointClient(fx.url, WORKSPACE, CLASSIC_SERVICE, SECRETS.workspaceToken, {
            logger: log.logger,
        });
    });
    after(() => fx.studio.close());

    it('reads the web service, its endpoints and the default endpoint', async () => {
        const ws = await classic.getWebService();
        assert.equal(ws.Id, CLASSIC_SERVICE);
        assert.equal(ws.DefaultEndpointName, 'default');
        const endpoints = await classic.listEndpoints();
        assert.deepEqual(
            endpoints.map((e) => e.Name),
            ['default'],
        );
        const d = await classic.getEndpoint('default');
        assert.ok(d.ApiLocation?.startsWith(fx.url));
        assert.deepEqual(
            d.Resources?.map((r) => r.Name),
            [TRAINED_MODEL],
        );
    });

    it('refuses to retrain the default endpoint before sending a PATCH', async () => {
        const job = await trainModel(
            fx,
            new BatchExecutionClient(fx.besUrl(), SECRETS.trainingKey, { logger: log.logger }),
        );
        const patchesBefore = await callCount(fx, 'patchEndpoint');
        await assert.rejects(
            classic.updateTrainedModel('default', TRAINED_MODEL, job.results.output1),
            (e: unknown) => {
                return isMlServiceError(e) && e.code === 'DefaultEndpointUpdateNotAllowed';
            },
        );
        assert.equal(await callCount(fx, 'patchEndpoint'), patchesBefore);
    });

    it('adds an endpoint, retrains it, confirms the location and scores with the new model', async () => {
        await classic.addEndpoint('retrained', {
            Description: 'retrain target',
            ThrottleLevel: 'Low',
            MaxConcurrentCalls: 4,
        });
        const endpoint = await classic.getEndpoint('retrained');
        assert.ok(endpoint.PrimaryKey && endpoint.ApiLocation);
        const job = await trainModel(
            fx,
            new BatchExecutionClient(fx.besUrl(), SECRETS.trainingKey, { logger: log.logger }),
        );
        const model = job.results.output1;
        // Per-endpoint operations accept the endpoint's own key, as the retraining docs use it.
        const withEndpointKey = new ClassicEndpointClient(fx.url, WORKSPACE, CLASSIC_SERVICE, endpoint.PrimaryKey, {
            defaultEndpointName: 'default',
            logger: log.logger,
        });
        await withEndpointKey.updateTrainedModel('retrained', TRAINED_MODEL, model);
        assert.deepEqual(await withEndpointKey.confirmTrainedModel('retrained', TRAINED_MODEL, model), {
            confirmed: true,
            currentUri: model.uri(),
        });
        const scoring = new ScoringClient(endpoint.ApiLocation, endpoint.PrimaryKey, { logger: log.logger });
        const table = await scoring.score(
            ['tenure', 'charges'],
            [
                [2, 118],
                [70, 21],
            ],
        );
        assert.deepEqual(table.columnNames.slice(0, 3), ['tenure', 'charges', 'Scored Labels']);
        assert.deepEqual(
            table.rows.map((r) => r[2]),
            ['1', '0'],
        );
    });

    it('scoring through an endpoint with no model is a permanent error, not retried', async () => {
        const d = await classic.getEndpoint('default');
        const before = await callCount(fx, 'execute');
        await assert.rejects(
            new ScoringClient(d.ApiLocation!, d.PrimaryKey!, { logger: log.logger }).score(
                ['tenure', 'charges'],
                [[1, 2]],
            ),
            (e: unknown) => {
                return isMlServiceError(e) && e.statusCode === 400 && e.code === 'ModuleExecutionError';
            },
        );
        assert.equal((await callCount(fx, 'execute')) - before, 1);
    });

    it('retries a throttled management call, honouring Retry-After', async () => {
        const attempts = attemptLog();
        fx.studio.faults.set(CLASSIC_SERVICE, {
            http: [{ operation: 'getEndpoint', status: 429, retryAfterSeconds: 1, times: 1 }],
        });
        try {
            const c = new ClassicEndpointClient(fx.url, WORKSPACE, CLASSIC_SERVICE, SECRETS.workspaceToken, {
                logger: attempts.logger,
            });
            assert.equal((await c.getEndpoint('default')).Name, 'default');
            const waits = attempts.waitsInMs();
            assert.equal(waits.length, 1);
            assert.ok(waits[0] >= 998, `waited ${waits[0]} ms, Retry-After said 1 s`);
        } finally {
            fx.studio.faults.clear(CLASSIC_SERVICE);
        }
    });

    it('never logs or reports keys, tokens or SAS', async () => {
        const bad = new ClassicEndpointClient(fx.url, WORKSPACE, CLASSIC_SERVICE, 'contract-bad-token-123abc', {
            logger: log.logger,
        });
        const err = await bad.getWebService().then(
            () => assert.fail('expected 401'),
            (e: unknown) => e as Error,
        );
        assert.ok(isMlServiceError(err) && err.statusCode === 401);
        const everything = [err.message, String(err), JSON.stringify(err), err.stack ?? '', ...log.lines].join('\n');
        for (const s of [
            'contract-bad-token-123abc',
            SECRETS.workspaceToken,
            SECRETS.defaultPrimary,
            SECRETS.defaultSecondary,
        ]) {
            assert.ok(!everything.includes(s), `${s} leaked`);
        }
        assert.ok(!/sig=(?!REDACTED)[A-Za-z0-9%]/.test(everything), 'a SAS signature leaked');
    });
});
