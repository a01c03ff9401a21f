import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { bindChurnModel } from '../helpers/classicModel';
import { churnTarget, classicEndpointOf, classicServiceIdOf, retrainedKey } from '../helpers/demoTargets';
import { eventually } from '../helpers/environment';
import { AppUnderTest, startApp } from './appHost';

/**
 * A PATCHed classic endpoint can keep scoring with the old model for a while (the studio's
 * `patchPropagationDelayInMs`). Verification checks again on a durable timer, so a delay within
 * its budget (here 4 checks 800 ms apart: 2.4 s) ends Promoted, and a longer one rolls back.
 */
describe('verification waits out classic PATCH propagation, within its budget', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [
            churnTarget(w, {
                name: 'prop',
                data: { ...(churnTarget(w).data as object), prefixPattern: 'prop/*.csv' },
                verify: { attempts: 4, intervalInMs: 800 },
            }),
        ]);
    });
    after(() => app?.stop());

    const FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];
    const GOLDEN = [
        ['70', '25', '0', '24'],
        ['1', '115', '9', '1'],
    ];
    /** The labels `prop`'s own endpoint gives its golden rows right now. */
    async function goldenLabels(): Promise<string[]> {
        const service = classicServiceIdOf(classicEndpointOf('prop'));
        const res = await fetch(
            `${app.studio.url}/workspaces/ws-demo/services/${service}/execute?api-version=2.0&details=true`,
            {
                method: 'POST',
                headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    Inputs: { input1: { ColumnNames: FEATURES, Values: GOLDEN } },
                    GlobalParameters: {},
                }),
            },
        );
        assert.equal(res.status, 200);
        const body = (await res.json()) as { Results: { output1: { value: { Values: string[][] } } } };
        return body.Results.output1.value.Values.map((row) => row[4]);
    }
    async function put(name: string, text: string): Promise<void> {
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    }
    function nextRun(target: string, count: number): Promise<RunRecord> {
        return eventually(
            async () => {
                const res = await fetch(`${app.host.origin}/api/runs?target=${target}`, {
                    headers: { 'x-functions-key': app.host.keys.functionDefault },
                });
                const runs = (await res.json()) as RunRecord[];
                return runs.length >= count ? runs[0] : undefined;
            },
            () => `run ${count} of ${target}; host log:\n${app.logs.slice(-40).join('\n')}`,
            180_000,
        );
    }
    const propagation = (delayInMs: number) =>
        app.studio.faults.set('churn-predictive', { patchPropagationDelayInMs: delayInMs });

    it('starts from a served model that fails the golden rows', async () => {
        // Put there outside Retrainer (labels are noise): while the PATCH propagates, `prop`'s checks
        // see this model, which its golden rows tell apart from the one it promotes.
        const junk = await toText(classificationCsv({ rows: 600, seed: 5, shuffleLabels: true }));
        await bindChurnModel(app.studio.url, app.scope.connectionString, classicEndpointOf('prop'), junk);
        assert.notDeepEqual(await goldenLabels(), ['0', '1'], 'the junk model must fail prop’s golden rows');
    });

    it('rolls back when the endpoint still serves the old model after the last check', async () => {
        propagation(30_000);
        await put('prop/a.csv', await toText(classificationCsv({ rows: 600, seed: 11 })));
        const run = await nextRun('prop', 1);
        assert.equal(run.state, 'RolledBack', run.reason);
        assert.equal(run.verification!.attempts, 4);
        assert.match(run.reason!, /Scored Labels/);
        const verifying = Date.parse(run.timings.verifying);
        assert.ok(Date.parse(run.timings['rolling-back']) - verifying >= 2400, 'three 800 ms waits between checks');
    });

    it('promotes when the new model starts serving within the checks', async () => {
        // Longer than a check takes to follow the PATCH here, well inside the 2.4 s budget.
        propagation(1500);
        await put('prop/b.csv', await toText(classificationCsv({ rows: 600, seed: 12 })));
        const run = await nextRun('prop', 2);
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.verification!.passed, true);
        assert.ok(
            run.verification!.attempts! >= 2,
            `the first check saw the old model (${run.verification!.attempts})`,
        );
        assert.deepEqual(await goldenLabels(), ['0', '1']);
        app.studio.faults.clear('churn-predictive');
    });
});
