import assert from 'node:assert/strict';
import { after, before, describe, it, TestContext } from 'node:test';

import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { Faults } from '../../src/local/studio/faults';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { bindChurnModel } from '../helpers/classicModel';
import { arm, classicEndpointOf } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from '../functions/appHost';
import { churnLike } from './appConfig';
import { eventually } from '../helpers/environment';
import { api, runsOf, scoreRetrained } from './kit';
import { findSecrets } from './secrets';
import { housesTarget } from '../helpers/demoTargets';

/**
 * Azure ML misbehaving, through the studio's fault injection: throttling, outages, slowness, a
 * failing job, a job that never ends, a failed ARM update. Each run ends in a recorded state, and
 * the endpoint answers scoring calls the whole time with the champion until a promotion lands.
 */
describe('remote faults (studio fault injection)', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp(
            (w) => [
                churnLike(w, 'storm'),
                churnLike(w, 'burst'),
                churnLike(w, 'slow'),
                churnLike(w, 'failing'),
                churnLike(w, 'stuck', {
                    job: { deadlineInMs: 2500, pollInitialIntervalInMs: 100, pollMaxIntervalInMs: 400 },
                }),
                housesTarget(w),
            ],
            { 'AzureWebJobs.onTrainingData.Disabled': 'true' },
        );
    });
    after(async () => {
        await app?.stop();
        assert.deepEqual(findSecrets(app.logs.join('\n')), [], 'no secret in the host log');
    });

    const key = (): string => app.host.keys.functionDefault;
    const ops = (): Record<string, number> => app.studio.stats().operations;
    const delta = (before: Record<string, number>, op: string): number => (ops()[op] ?? 0) - (before[op] ?? 0);

    /** Scores the classic endpoint every 100 ms until stopped: every answer, in order. */
    function keepScoring(score: () => Promise<string[] | number>): { stop(): Promise<(string[] | number)[]> } {
        const seen: (string[] | number)[] = [];
        let running = true;
        const loop = (async () => {
            while (running) {
                seen.push(await score());
                // Input pacing, not a wait for a condition: a client scoring ten times a second.
                await new Promise((r) => setTimeout(r, 100));
            }
        })();
        return {
            stop: async () => {
                running = false;
                await loop;
                return seen;
            },
        };
    }

    async function retrain(
        t: TestContext,
        target: string,
        faults: { scope: string; value: Faults },
    ): Promise<RunRecord> {
        const text =
            target === 'houses'
                ? await toText(regressionCsv({ rows: 1500, seed: Math.floor(Math.random() * 1000) }))
                : await toText(classificationCsv({ rows: 1500, seed: target.length * 7 }));
        await app.data.getBlockBlobClient(`${target}/${Date.now()}.csv`).upload(text, Buffer.byteLength(text));
        const count = (await runsOf(app.host.origin, key(), target)).length;
        app.studio.faults.set(faults.scope, faults.value);
        try {
            const res = await api(app.host.origin, key(), `retrain/${target}`, { method: 'POST' });
            assert.equal(res.status, 202);
            const [run] = await eventually(async () => {
                const r = await runsOf(app.host.origin, key(), target);
                return r.length > count ? r : undefined;
            }, `the run of ${target}`);
            // The record lands before the instance ends (it then looks for data that came in meanwhile):
            // the next retrain of this target must not find it still running.
            await eventually(async () => {
                const res = await api(app.host.origin, key(), `targets/${target}`);
                return ((await res.json()) as { inFlight: unknown }).inFlight === null ? true : undefined;
            }, `the ${target} instance to end`);
            t.diagnostic(`${target}: ${run.state}${run.reason ? ` (${run.reason})` : ''}`);
            assert.deepEqual(findSecrets(JSON.stringify(run)), [], 'no secret in the run record');
            return run;
        } finally {
            app.studio.faults.clear(faults.scope);
        }
    }

    /** Scores the classic endpoint of `target` (each target has its own endpoint). */
    const classicScore = (target: string) => (): Promise<string[] | number> => scoreRetrained(app.studio.url, target);
    /**
     * A champion on the target's own endpoint before its run (bound there outside Retrainer, as a
     * first promotion would), so there is a model to keep serving.
     */
    const serveChampion = async (target: string): Promise<string[]> => {
        const text = await toText(classificationCsv({ rows: 1500, seed: 3 }));
        await bindChurnModel(app.studio.url, app.scope.connectionString, classicEndpointOf(target), text);
        const champion = await classicScore(target)();
        assert.ok(Array.isArray(champion), `the champion scores on ${target}'s endpoint: ${String(champion)}`);
        return champion;
    };

    it('429 storms with Retry-After on submit and status: the run waits them out and promotes', async (t) => {
        const before = ops();
        const run = await retrain(t, 'storm', {
            scope: 'churn-training',
            value: {
                http: [
                    { operation: 'submitJob', status: 429, retryAfterSeconds: 1, times: 3 },
                    { operation: 'getJobStatus', status: 429, retryAfterSeconds: 1, times: 2 },
                ],
            },
        });
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(delta(before, 'submitJob'), 4, 'three throttled submits, then one job');
        assert.ok(delta(before, 'getJobStatus') >= 3);
        t.diagnostic(`faults injected: 5 (429); BES jobs: 1`);
    });

    it('503 bursts on the job, the endpoint and its read-back: promotes, scoring never interrupted', async (t) => {
        await serveChampion('burst');
        const scoring = keepScoring(classicScore('burst'));
        const before = ops();
        app.studio.faults.set('churn-training', { http: [{ operation: 'getJobStatus', status: 503, times: 2 }] });
        const run = await retrain(t, 'burst', {
            scope: 'churn-predictive',
            value: {
                http: [
                    { operation: 'getEndpoint', status: 503, times: 1 },
                    { operation: 'patchEndpoint', status: 503, times: 2 },
                ],
            },
        });
        app.studio.faults.clear('churn-training');
        const seen = await scoring.stop();
        assert.equal(run.state, 'Promoted', run.reason);
        // Exactly 3: the promote activity sends one PATCH (applyModel, src/activities/endpoint.ts), which
        // the client pipeline retries on each 503 (DEFAULT_RETRY.maxRetries 2, docs/architecture.md
        // "Retry budget"): the two injected 503s, then the PATCH that lands. Promoted: no rollback PATCH.
        assert.equal(delta(before, 'patchEndpoint'), 3, 'the PATCH was retried through the burst');
        assert.ok(
            seen.length > 0 && seen.every((s) => Array.isArray(s)),
            `scoring answered 200 throughout: ${JSON.stringify(seen)}`,
        );
        t.diagnostic(`faults injected: 5 (503); scoring calls during the run: ${seen.length}, all 200`);
    });

    it('slow responses (1.5 s) on status, endpoint reads and scoring: promotes', async (t) => {
        const run = await retrain(t, 'slow', {
            scope: '*',
            value: {
                http: [
                    { operation: 'getJobStatus', delayInMs: 1500, times: 2 },
                    { operation: 'getEndpoint', delayInMs: 1500, times: 2 },
                    { operation: 'execute', delayInMs: 1500, times: 1 },
                ],
            },
        });
        assert.equal(run.state, 'Promoted', run.reason);
        t.diagnostic('faults injected: 5 (1.5 s delays)');
    });

    it('a failing job: Failed with the service’s reason, endpoint keeps serving the champion', async (t) => {
        const champion = await serveChampion('failing');
        const scoring = keepScoring(classicScore('failing'));
        const before = ops();
        const run = await retrain(t, 'failing', {
            scope: 'churn-training',
            value: { jobFailure: 'Simulated module failure' },
        });
        const seen = await scoring.stop();
        assert.equal(run.state, 'Failed');
        assert.match(run.reason!, /Simulated module failure/);
        assert.equal(delta(before, 'patchEndpoint'), 0, 'the endpoint was not touched');
        assert.deepEqual(
            seen,
            seen.map(() => champion),
            'the champion answered every scoring call',
        );
    });

    it('a job that never finishes: cancelled at the deadline, Failed, endpoint untouched', async (t) => {
        const champion = await serveChampion('stuck');
        const scoring = keepScoring(classicScore('stuck'));
        const before = ops();
        const run = await retrain(t, 'stuck', { scope: 'churn-training', value: { jobNeverFinishes: true } });
        const seen = await scoring.stop();
        assert.equal(run.state, 'Failed');
        assert.match(run.reason!, /Deadline of 2500 ms exceeded .*the job was cancelled/);
        assert.equal(delta(before, 'cancelJob'), 1, 'the job was cancelled');
        assert.equal(delta(before, 'patchEndpoint'), 0);
        assert.deepEqual(
            seen,
            seen.map(() => champion),
        );
    });

    it('an ARM update whose async operation ends Failed: Failed, the web service keeps the champion', async (t) => {
        const first = await retrain(t, 'houses', { scope: 'none', value: {} });
        assert.equal(first.state, 'Promoted', first.reason);
        const scoreHouses = async (): Promise<string[] | number> => {
            const res = await fetch(
                `${app.studio.url}/subscriptions/${arm.subscriptionId}/services/${arm.serviceId}/execute?api-version=2.0&details=true`,
                {
                    method: 'POST',
                    headers: { Authorization: `Bearer ${arm.keys.primary}`, 'Content-Type': 'application/json' },
                    body: JSON.stringify({
                        Inputs: {
                            input1: {
                                ColumnNames: ['sqft', 'bedrooms', 'age', 'distance_km'],
                                Values: [['1500', '3', '10', '5']],
                            },
                        },
                        GlobalParameters: {},
                    }),
                },
            );
            if (res.status !== 200) return res.status;
            const body = (await res.json()) as { Results: { output1: { value: { Values: string[][] } } } };
            return body.Results.output1.value.Values.map((r) => r[4]);
        };
        const champion = await scoreHouses();
        assert.ok(Array.isArray(champion));
        const scoring = keepScoring(scoreHouses);
        const run = await retrain(t, 'houses', {
            scope: 'houses-arm',
            value: { armOperationFails: 'Simulated provisioning failure' },
        });
        const seen = await scoring.stop();
        assert.equal(run.state, 'Failed');
        assert.match(run.reason!, /Promotion failed.*Simulated provisioning failure/);
        assert.deepEqual(
            seen,
            seen.map(() => champion),
            'the champion answered every scoring call',
        );
        const target = (await (await api(app.host.origin, key(), 'targets/houses')).json()) as {
            champion: { runId: string };
        };
        assert.equal(target.champion.runId, first.runId, 'the champion is still the first run');
    });
});
