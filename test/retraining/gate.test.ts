import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { evaluateGate, GateConfig } from '../../src/retraining/gate';

const gate: GateConfig = {
    thresholds: [
        { metric: 'AUC', threshold: 0.7 },
        { metric: 'Average Log Loss', threshold: 0.6 },
    ],
    improvement: [{ metric: 'auc', minAbsolute: 0.01 }],
};
const good = { auc: 0.82, averageLogLoss: 0.41, accuracy: 0.8 };
const champion = { runId: 'run-7', metrics: { auc: 0.8, averageLogLoss: 0.45 } };

describe('evaluation gate', () => {
    it('passes when every threshold and the improvement are met, with a reason per check', () => {
        const v = evaluateGate(gate, good, champion);
        assert.equal(v.passed, true);
        assert.equal(v.checks.length, 3);
        assert.equal(v.comparedTo, champion);
        assert.ok(
            v.reasons.some((r) => r.includes('auc 0.82 vs champion run-7 0.8')),
            v.reasons.join('\n'),
        );
        assert.deepEqual(v.metrics, good);
    });

    it('fails an absolute threshold in either direction and says which', () => {
        const low = evaluateGate(gate, { ...good, auc: 0.65 }, null);
        assert.equal(low.passed, false);
        assert.match(low.reasons[0] ?? '', /AUC 0.65 fails >= 0.7/);
        const lossy = evaluateGate(gate, { ...good, averageLogLoss: 0.9 }, null);
        assert.equal(lossy.passed, false);
        assert.match(lossy.reasons[0] ?? '', /Average Log Loss 0.9 fails <= 0.6/);
    });

    it('fails against the champion when the improvement is too small (absolute or relative)', () => {
        const v = evaluateGate(gate, { ...good, auc: 0.805 }, champion);
        assert.equal(v.passed, false);
        assert.match(v.reasons[0] ?? '', /improvement 0.005 is below required 0.01/);
        const rel: GateConfig = { thresholds: [], improvement: [{ metric: 'rmse', minRelative: 0.05 }] };
        const champ = { runId: 'r', metrics: { rootMeanSquaredError: 10 } };
        assert.equal(evaluateGate(rel, { rootMeanSquaredError: 9.6 }, champ).passed, false);
        assert.equal(evaluateGate(rel, { rootMeanSquaredError: 9.5 }, champ).passed, true);
    });

    it('a negative minimum tolerates bounded regression; ties at the bar pass', () => {
        const tolerant: GateConfig = { thresholds: [], improvement: [{ metric: 'auc', minAbsolute: -0.02 }] };
        assert.equal(evaluateGate(tolerant, { auc: 0.785 }, champion).passed, true);
        assert.equal(evaluateGate(tolerant, { auc: 0.77 }, champion).passed, false);
        assert.equal(
            evaluateGate({ thresholds: [{ metric: 'auc', threshold: 0.1 + 0.2 }] }, { auc: 0.3 }, null).passed,
            true,
        );
    });

    it('fails when a gated metric is missing from the evaluation', () => {
        const v = evaluateGate(gate, { auc: 0.9 }, champion);
        assert.equal(v.passed, false);
        assert.match(v.reasons[0] ?? '', /Average Log Loss missing from evaluation/);
    });

    it('with no champion yet, passes on thresholds alone and says so', () => {
        const v = evaluateGate(gate, good, null);
        assert.equal(v.passed, true);
        assert.equal(v.comparedTo, null);
        assert.ok(v.reasons.includes('no champion yet: improvement not required'));
    });

    it('does not let a champion lacking the metric block promotion', () => {
        const v = evaluateGate(gate, good, { runId: 'old', metrics: { accuracy: 0.7 } });
        assert.equal(v.passed, true);
        assert.ok(v.reasons.some((r) => r.includes('champion old has no recorded value')));
    });

    it('needs a direction for metrics it does not know', () => {
        assert.throws(
            () => evaluateGate({ thresholds: [{ metric: 'custom', threshold: 1 }] }, { custom: 2 }, null),
            /direction/,
        );
        const ok = evaluateGate(
            { thresholds: [{ metric: 'custom', threshold: 1, direction: 'lowerIsBetter' }] },
            { custom: 2 },
            null,
        );
        assert.equal(ok.passed, false);
    });
});
