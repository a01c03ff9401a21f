import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { RunRecord } from '../../src/orchestrators/contracts';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { validateConfig } from '../../src/retraining/config';
import { UNVERIFIED_MODEL_RECENT_RUNS } from '../../src/retraining/unverifiedModel';
import { runPage, targetHistory, targetSummary } from '../../src/ui/views';
import { lateCancellation } from '../helpers/fakeOrchestration';

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
// The sample's ARM target names the offline stack's credential kind, which the stack registers.
registerEmulatorCredential();
const raw = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { targets: Record<string, unknown>[] };
const churn = validateConfig(raw).targets[0];
/** The sample's churn target with `overrides` (e.g. its gate). */
const churnWith = (overrides: Record<string, unknown>) =>
    validateConfig({ ...raw, targets: [{ ...raw.targets[0], ...overrides }] }).targets[0];
/** A gate that names its metrics otherwise than Evaluate Model spells them. */
const ownNames = {
    gate: {
        thresholds: [
            { metric: 'ROC AUC', threshold: 0.7 },
            { metric: 'log loss', threshold: 0.65 },
        ],
    },
};

const judgedRun = (runId: string, state: RunRecord['state'], approval?: RunRecord['approval']): RunRecord => ({
    target: churn.name,
    runId,
    instanceId: `retrain-${churn.name}`,
    trigger: { kind: 'http' },
    state,
    timings: { done: '2026-01-01T00:00:00.000Z' },
    verdict: { passed: true, reasons: [], metrics: { auc: 0.8 }, comparedTo: null },
    ...(approval ? { approval } : {}),
});

describe('status page views', () => {
    it("puts a waiting run's judged metrics (and the champion's) in the summary, and nothing unreadable", () => {
        const live = (judged: unknown) => ({
            runtimeStatus: 'Running',
            customStatus: { step: 'awaiting-approval', since: 's', until: 'u', runId: 'r1', judged },
        });
        const good = { metrics: { auc: 0.81 }, champion: { runId: 'r0', metrics: { auc: 0.79 } } };
        assert.deepEqual(targetSummary(churn, undefined, [], live(good)).inFlight?.judged, {
            ...good,
            metricLabels: { auc: 'AUC' },
        });
        assert.deepEqual(
            targetSummary(churn, undefined, [], live({ metrics: { auc: 0.81 }, champion: null })).inFlight?.judged,
            { metrics: { auc: 0.81 }, champion: null, metricLabels: { auc: 'AUC' } },
        );
        for (const bad of [undefined, 'x', { metrics: { auc: 'high' } }, { champion: good.champion }]) {
            assert.equal(
                targetSummary(churn, undefined, [], live(bad)).inFlight?.judged,
                null,
                JSON.stringify(bad) ?? 'undefined',
            );
        }
    });

    it("names a waiting run's metrics (its own and the champion's) as the target's config does, as `status` does", () => {
        const judged = {
            metrics: { auc: 0.81, averageLogLoss: 0.5, truePositives: 4 },
            champion: { runId: 'r0', metrics: { auc: 0.79, accuracy: 0.7 } },
        };
        const live = { runtimeStatus: 'Running', customStatus: { step: 'awaiting-approval', runId: 'r1', judged } };
        assert.deepEqual(targetSummary(churnWith(ownNames), undefined, [], live).inFlight?.judged?.metricLabels, {
            auc: 'ROC AUC',
            averageLogLoss: 'log loss',
            truePositives: 'True Positives',
            accuracy: 'Accuracy',
        });
    });

    it('says what the timeout of a waiting run decides, as the target configures it (reject by default)', () => {
        const withApproval = (approval: Record<string, unknown>) => churnWith({ approval });
        const waiting = {
            runtimeStatus: 'Running',
            customStatus: { step: 'awaiting-approval', since: 's', until: 'u' },
        };
        const onTimeout = (t: typeof churn, live: typeof waiting) =>
            targetSummary(t, undefined, [], live).inFlight?.onTimeout;
        assert.equal(onTimeout(withApproval({ required: true, onTimeout: 'approve' }), waiting), 'approve');
        assert.equal(onTimeout(withApproval({ required: true }), waiting), 'reject');
        const training = { runtimeStatus: 'Running', customStatus: { step: 'training', since: 's', until: '' } };
        assert.equal(onTimeout(withApproval({ required: true, onTimeout: 'approve' }), training), null);
    });

    it("names each run's approval outcome in the history, and leaves it out for runs without the step", () => {
        const history = targetHistory(
            churn,
            [
                judgedRun('r3', 'Rejected', {
                    decision: 'timeout',
                    outcome: 'rejected',
                    at: 'u',
                    since: 's',
                    until: 'u',
                }),
                judgedRun('r2', 'Promoted', {
                    decision: 'approve',
                    outcome: 'approved',
                    by: 'ana',
                    why: 'ok',
                    at: 'a',
                    since: 's',
                    until: 'u',
                }),
                judgedRun('r1', 'Promoted'),
            ],
            undefined,
        );
        assert.deepEqual(
            history.runs.map((r) => [r.runId, r.approval]),
            [
                ['r1', undefined],
                ['r2', 'approve by ana'],
                ['r3', 'timeout: rejected'],
            ],
        );
    });

    it("gives the run view each verdict metric's name for people and the record unchanged", () => {
        const run: RunRecord = {
            ...judgedRun('r2', 'Rejected'),
            verdict: {
                passed: false,
                reasons: ['ROC AUC 0.6 < 0.7'],
                metrics: { auc: 0.6, averageLogLoss: 0.7, fScore: 0.4 },
                comparedTo: {
                    runId: 'r1',
                    model: { baseLocation: 'http://s/', relativeLocation: 'm' },
                    metrics: { auc: 0.8, precision: 0.5 },
                },
            },
        };
        const page = runPage(churnWith(ownNames), run);
        assert.deepEqual(page.metricLabels, {
            auc: 'ROC AUC',
            averageLogLoss: 'log loss',
            fScore: 'F-Score',
            precision: 'Precision',
        });
        const { metricLabels: _labels, ...record } = page;
        assert.deepEqual(record, run, 'the record itself as stored, with no late cancel note');
        assert.deepEqual(runPage(churn, { ...run, verdict: undefined }).metricLabels, {});
    });

    it("warns in the summary and the target view, in `retrainer status`'s words, of a model that failed verification and was not rolled back", () => {
        const promotion = {
            before: null,
            after: { baseLocation: 'http://127.0.0.1:10000/a', relativeLocation: 'models/m.ilearner' },
        };
        const reason =
            'Verification failed (row 0: Scored Labels = 0, expected 1) and the rollback failed too: 400 InvalidBlob';
        const failed: RunRecord = {
            ...judgedRun('r2', 'Failed'),
            promotion,
            rollbackFailed: true,
            reason,
            timings: { 'rolling-back': '2026-11-30T09:00:05.000Z' },
        };
        // r3 was rejected after it: it changed nothing, so the endpoint may still serve r2's model.
        const newestFirst = [judgedRun('r3', 'Rejected'), failed, { ...judgedRun('r1', 'Promoted'), promotion }];
        // `note` word for word as test/cli/commands/status.test.ts pins `retrainer status`'s WARNING line.
        const expected = {
            runId: 'r2',
            reason,
            at: '2026-11-30T09:00:05.000Z',
            note: "the endpoint may be serving run r2's model, which failed verification, not the champion's: its rollback failed too (Verification failed (row 0: Scored Labels = 0, expected 1) and the rollback failed too: 400 InvalidBlob). A run that promotes a model that passes replaces it.",
        };
        const summary = targetSummary(churn, undefined, newestFirst, undefined);
        assert.deepEqual(summary.unverifiedModel, expected);
        assert.equal(summary.lastRun?.runId, 'r3', 'the last run is still the newest');
        assert.deepEqual(targetHistory(churn, newestFirst, undefined).unverifiedModel, expected);

        // A later run that promotes (and passed) replaces that model: no warning.
        const replaced = [{ ...judgedRun('r4', 'Promoted'), promotion }, ...newestFirst];
        assert.equal(targetSummary(churn, undefined, replaced, undefined).unverifiedModel, null);
        assert.equal(targetHistory(churn, replaced, undefined).unverifiedModel, null);
        // Only the newest runs GET /api/targets reads are read here too, so the two never disagree.
        const rejections = Array.from({ length: UNVERIFIED_MODEL_RECENT_RUNS - 1 }, (_, i) =>
            judgedRun(`r${10 + i}`, 'Rejected'),
        );
        // With r3, ten runs newer than r2 put it out of reach; nine do not.
        assert.equal(targetHistory(churn, [...rejections, ...newestFirst], undefined).unverifiedModel, null);
        assert.equal(
            targetHistory(churn, [...rejections.slice(1), ...newestFirst], undefined).unverifiedModel?.runId,
            'r2',
        );
        // Given only its last run, the summary decides on that run.
        assert.equal(targetSummary(churn, undefined, [failed], undefined).unverifiedModel?.runId, 'r2');
        assert.equal(targetSummary(churn, undefined, [], undefined).unverifiedModel, null);
    });

    it("says on the run view, in the CLI's words, that a cancel request came too late", () => {
        const run: RunRecord = { ...judgedRun('r2', 'Promoted'), cancellation: lateCancellation };
        assert.equal(
            runPage(churn, run).lateCancel,
            'Cancel asked by ana at 2026-11-30T10:00:00.000Z ("wrong file") came too late: the run was already promoting (past the last point a run can stop), so it went on.',
        );
        const { honoured: _h, declined: _d, ...stopped } = lateCancellation;
        assert.equal(runPage(churn, { ...run, state: 'Cancelled', cancellation: stopped }).lateCancel, undefined);
    });
});
