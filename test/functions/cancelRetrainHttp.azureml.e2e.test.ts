import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { uniqueName } from '../helpers/azurite';
import {
    azureMlSettings,
    azureMlTarget,
    registerInitialModel,
    seedWithWorkspace,
    servingEndpoint,
    until,
    workspaceClient,
} from '../helpers/azuremlTargets';
import { AppUnderTest, startApp } from './appHost';

/**
 * Cancelling an Azure ML v2 run once its rollout is under way, through the dev host: the route
 * answers 409 naming the step (a rollout is never stopped half-way: it rolls back by itself when a
 * live check fails), instead of 202 "asked" followed by a promotion whose record shows no request.
 */
describe('cancelling an Azure ML v2 run during its rollout, end to end', () => {
    let app: AppUnderTest;
    const datastoreContainer = uniqueName('azureml');
    before(async () => {
        app = await startApp(
            (w) => [
                // Bakes long enough for the test to ask while one runs.
                azureMlTarget({ ...w, datastoreContainer }, 'churnml', 'churn-online', {
                    rollout: { stepsInPercent: [10, 100], bakeInMs: 4000 },
                }),
            ],
            azureMlSettings,
            { seed: seedWithWorkspace(datastoreContainer) },
        );
        const client = workspaceClient(app.studio.url);
        const initial = await registerInitialModel(
            client,
            process.env.RETRAINER_DATA_STORAGE!,
            datastoreContainer,
            'users-model',
        );
        await servingEndpoint(client, 'churn-online', initial);
    });
    after(() => app?.stop());

    const call = (p: string, init: RequestInit = {}): Promise<Response> =>
        fetch(`${app.host.origin}/api/${p}`, {
            ...init,
            headers: { 'x-functions-key': app.host.keys.functionDefault, ...(init.headers ?? {}) },
        });

    it('answers 409 naming the step while the new deployment bakes; the run promotes and records no request', async () => {
        const text = await toText(classificationCsv({ rows: 1500, seed: 1 }));
        await app.data.getBlockBlobClient('churnml/a.csv').upload(text, Buffer.byteLength(text));
        await until(
            'the run never baked',
            async () => {
                const view = (await (await call('targets/churnml')).json()) as {
                    inFlight: { step: { step?: string } | null } | null;
                };
                return view.inFlight?.step?.step === 'baking' ? true : undefined;
            },
            2400,
        );

        const res = await call('retrain/churnml/cancel', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ by: 'tester', why: 'stop the rollout' }),
        });
        const body = (await res.json()) as { error?: string; step?: string; target?: string };
        assert.equal(res.status, 409, JSON.stringify(body));
        assert.equal(body.step, 'baking');
        assert.equal(body.target, 'churnml');
        assert.match(body.error ?? '', /is baking: its rollout is under way, so it can no longer be cancelled/);

        const [record] = await until(
            'the run was never recorded',
            async () => {
                const r = (await (await call('runs?target=churnml')).json()) as RunRecord[];
                return r.length > 0 ? r : undefined;
            },
            2400,
        );
        assert.equal(record.state, 'Promoted', record.reason);
        assert.equal(record.cancellation, undefined, 'a refused request is not in the record');
        await app.settled();
    });
});
