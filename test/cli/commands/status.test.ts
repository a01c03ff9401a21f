import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { describeTarget } from '../../../src/cli/commands/status';
import type { TargetView } from '../../../src/cli/retrainerClient';

/** A target as GET /api/targets/{name} answers it, champion promoted, nothing in flight. */
function view(extra: Partial<TargetView> = {}): TargetView {
    return {
        name: 'churn',
        update: 'classic',
        data: { container: 'training-data', prefixPattern: 'churn/*.csv', labelColumn: 'churned', featureColumns: [] },
        champion: {
            runId: 'r1',
            promotedAt: '2026-11-30T08:00:00.000Z',
            lineage: ['r1'],
            model: { relativeLocation: 'models/churn/r1/model.ilearner' },
            metrics: { truePositives: 10, accuracy: 0.7, averageLogLoss: 0.6, auc: 0.74, fScore: 0.5 },
        },
        inFlight: null,
        ...extra,
    };
}

const line = (text: string, label: string): string | undefined =>
    text.split('\n').find((l) => l.startsWith(`  ${label}:`));

describe('retrainer status: one target', () => {
    it('warns, before anything else about the data, when the endpoint may serve a model that failed verification', () => {
        const unverifiedModel = {
            runId: 'r2',
            reason: 'Verification failed (row 0) and the rollback failed too: 400 InvalidBlob',
            at: '2026-11-30T09:00:00.000Z',
        };
        const text = describeTarget(view({ unverifiedModel }));
        assert.equal(
            line(text, 'WARNING'),
            "  WARNING:   the endpoint may be serving run r2's model, which failed verification, not the champion's: its rollback failed too (Verification failed (row 0) and the rollback failed too: 400 InvalidBlob). A run that promotes a model that passes replaces it.",
        );
        assert.equal(line(describeTarget(view({ unverifiedModel: null })), 'WARNING'), undefined);
    });

    it('names the metrics as the gate config does, gate metrics first, others in their Evaluate Model spelling', () => {
        const text = describeTarget(view({ metricNames: { auc: 'AUC', averageLogLoss: 'avg log loss' } }));
        assert.equal(
            line(text, 'metrics'),
            '  metrics:   avg log loss 0.6000, AUC 0.7400, Accuracy 0.7000, F-Score 0.5000',
        );
    });

    it("shows a waiting run's id and its metrics beside the champion's, as --json has them", () => {
        const text = describeTarget(
            view({
                metricNames: { auc: 'AUC' },
                inFlight: {
                    instanceId: 'retrain-churn',
                    status: 'Running',
                    step: {
                        step: 'awaiting-approval',
                        runId: 'r2',
                        since: '2026-11-30T09:00:00.000Z',
                        until: '2026-12-01T09:00:00.000Z',
                        judged: {
                            metrics: { auc: 0.81, accuracy: 0.75, truePositives: 4 },
                            champion: { runId: 'r1', metrics: { auc: 0.74, accuracy: 0.7 } },
                        },
                    },
                },
            }),
        );
        assert.equal(
            line(text, 'in flight'),
            '  in flight: retrain-churn Running, run r2, step awaiting-approval since 2026-11-30T09:00:00.000Z until 2026-12-01T09:00:00.000Z (then the timeout policy decides)',
        );
        assert.equal(
            line(text, 'judged'),
            '  judged:    AUC 0.8100, Accuracy 0.7500 (champion run r1: AUC 0.7400, Accuracy 0.7000)',
        );
    });

    it('still names metrics readably for an app that sends no metricNames', () => {
        assert.equal(
            line(describeTarget(view()), 'metrics'),
            '  metrics:   Accuracy 0.7000, Average Log Loss 0.6000, AUC 0.7400, F-Score 0.5000',
        );
    });

    it('says dead-lettered events are not watched, and which setting watches them, instead of "unknown"', () => {
        const checkedAt = '2026-11-30T08:00:00.000Z';
        const unset = describeTarget(
            view({
                missedEvents: {
                    checkedAt,
                    deadLetteredEvents: null,
                    deadLetterContainer: null,
                    poisonMessages: 0,
                    problems: ['RETRAINER_DEADLETTER_CONTAINER is not set'],
                },
            }),
        );
        const expected = [
            `  missed:    0 poison message(s) (app-wide, checked ${checkedAt}); dead-lettered events are not watched (set RETRAINER_DEADLETTER_CONTAINER to count them)`,
        ];
        assert.deepEqual(unset.split('\n').slice(-1), expected);
        assert.doesNotMatch(unset, /unknown/);
        // An app from before `deadLetterContainer` says it only among its problems: read the same.
        const older = describeTarget(
            view({
                missedEvents: {
                    checkedAt,
                    deadLetteredEvents: null,
                    poisonMessages: 0,
                    problems: ['RETRAINER_DEADLETTER_CONTAINER is not set'],
                },
            }),
        );
        assert.deepEqual(older.split('\n').slice(-1), expected);
    });

    it('counts dead-lettered events when a container is watched, and says "unknown" only when counting failed', () => {
        const checkedAt = '2026-11-30T08:00:00.000Z';
        const counted = describeTarget(
            view({
                missedEvents: { checkedAt, deadLetteredEvents: 2, deadLetterContainer: 'dl', poisonMessages: 1 },
            }),
        );
        assert.equal(
            line(counted, 'missed'),
            `  missed:    2 dead-lettered event(s), 1 poison message(s) (app-wide, checked ${checkedAt})`,
        );
        const failed = describeTarget(
            view({
                missedEvents: {
                    checkedAt,
                    deadLetteredEvents: null,
                    deadLetterContainer: 'dl',
                    poisonMessages: 0,
                    problems: ["dead-letter container 'dl': HTTP 403 AuthorizationFailure"],
                },
            }),
        );
        assert.deepEqual(failed.split('\n').slice(-2), [
            `  missed:    unknown dead-lettered event(s), 0 poison message(s) (app-wide, checked ${checkedAt})`,
            "             dead-letter container 'dl': HTTP 403 AuthorizationFailure",
        ]);
    });

    it('shows the data policy and the files it leaves out, pointing at `data list` when any are', () => {
        const windowed = describeTarget(
            view({
                dataPolicy: { trainOn: 'window', lastDays: 30, onRejected: 'quarantine' },
                dataFiles: { excluded: 2, quarantined: 1 },
            }),
        );
        assert.equal(
            line(windowed, 'data'),
            "  data:      trains on the last 30 day(s); a Rejected run's files are quarantined; 2 file(s) excluded, 1 quarantined (see `retrainer data list churn`)",
        );
        const plain = describeTarget(
            view({ dataPolicy: { trainOn: 'all', onRejected: 'keep' }, dataFiles: { excluded: 0, quarantined: 0 } }),
        );
        assert.equal(
            line(plain, 'data'),
            "  data:      trains on all files; a Rejected run's files are kept; 0 file(s) excluded, 0 quarantined",
        );
        assert.equal(line(describeTarget(view()), 'data'), undefined, 'an older app says no policy: no line');
    });
});
