import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { auc, binaryMetrics, regressionMetrics } from '../../../../src/local/studio/training/metrics';
import { TrainingError, evaluationCsv, parseEvaluationCsv } from '../../../../src/local/studio/training';

const f = (xs: number[]) => Float64Array.from(xs);

/** AUC by definition: the share of (positive, negative) pairs ranked correctly, ties counting half. */
function pairwiseAuc(scores: number[], labels: number[]): number {
    let good = 0;
    let pairs = 0;
    scores.forEach((sp, i) => {
        if (labels[i] !== 1) return;
        scores.forEach((sn, j) => {
            if (labels[j] === 1) return;
            pairs++;
            good += sp > sn ? 1 : sp === sn ? 0.5 : 0;
        });
    });
    return good / pairs;
}

describe('metrics', () => {
    it('computes exact AUC with tied scores', () => {
        const scores = [0.1, 0.4, 0.4, 0.4, 0.8, 0.8, 0.2, 0.9];
        const labels = [0, 1, 0, 1, 1, 0, 0, 1];
        assert.equal(auc(f(scores), f(labels)), pairwiseAuc(scores, labels));
        assert.equal(auc(f([0.5, 0.5, 0.5]), f([1, 0, 1])), 0.5);
        assert.ok(Number.isNaN(auc(f([0.2, 0.3]), f([1, 1]))));
        // Deterministic pseudo-random check against the definition.
        let s = 7;
        const next = () => (s = (s * 48271) % 2147483647) / 2147483647;
        const many = Array.from({ length: 300 }, () => Math.round(next() * 20) / 20);
        const truth = many.map((x) => (next() < x ? 1 : 0));
        assert.ok(Math.abs(auc(f(many), f(truth)) - pairwiseAuc(many, truth)) < 1e-12);
    });

    it('counts the confusion matrix at 0.5 and averages log loss', () => {
        const m = binaryMetrics(f([0.9, 0.6, 0.4, 0.1]), f([1, 0, 1, 0]), 0.3);
        assert.deepEqual(
            [m['True Positive'], m['False Negative'], m['False Positive'], m['True Negative']],
            [1, 1, 1, 1],
        );
        assert.equal(m.Accuracy, 0.5);
        assert.equal(m.Precision, 0.5);
        assert.equal(m.Recall, 0.5);
        assert.equal(m['F-Score'], 0.5);
        const expected = -(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.9)) / 4;
        assert.ok(Math.abs(m['Average Log Loss'] - expected) < 1e-12);
        assert.equal(m['Training Log Loss'], 0.3);
    });

    it('computes regression errors relative to predicting the mean', () => {
        const m = regressionMetrics(f([1, 2, 3, 5]), f([1, 3, 3, 5]));
        assert.equal(m['Mean Absolute Error'], 0.25);
        assert.equal(m['Root Mean Squared Error'], 0.5);
        // mean 3: |deviations| sum 4, squared sum 8.
        assert.equal(m['Relative Absolute Error'], 1 / 4);
        assert.equal(m['Relative Squared Error'], 1 / 8);
        assert.equal(m['Coefficient of Determination'], 1 - 1 / 8);
    });
});

describe('evaluation CSV', () => {
    it('round-trips one header row and one value row', () => {
        const text = evaluationCsv(['AUC', 'True Positive'], { AUC: 0.8123456789012345, 'True Positive': 12 });
        assert.equal(text, 'AUC,True Positive\n0.812345678901,12\n');
        assert.deepEqual(parseEvaluationCsv(text), { AUC: 0.812345678901, 'True Positive': 12 });
        assert.throws(
            () => parseEvaluationCsv('AUC\n'),
            (e: TrainingError) => e.code === 'InvalidEvaluation',
        );
        assert.throws(() => parseEvaluationCsv('a,b\n1\n'), /differ in length/);
    });
});
