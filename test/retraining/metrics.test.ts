import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MetricsParseError, metricRecord, parseEvaluationCsv } from '../../src/retraining/metrics';

describe('evaluation metrics', () => {
    it('parses a binary classification evaluation', () => {
        const m = parseEvaluationCsv(
            'True Positive,False Negative,False Positive,True Negative,Accuracy,Precision,Recall,F-Score,AUC,Average Log Loss,Training Log Loss\r\n' +
                '40,10,5,45,0.85,0.888889,0.8,0.842105,0.91,0.35,0.2\r\n',
        );
        assert.equal(m.kind, 'binaryClassification');
        if (m.kind !== 'binaryClassification') return;
        assert.equal(m.auc, 0.91);
        assert.equal(m.fScore, 0.842105);
        assert.equal(m.truePositives, 40);
        assert.equal(m.averageLogLoss, 0.35);
    });

    it('parses regression, case-insensitively, keeping unknown numeric columns as extras', () => {
        const m = parseEvaluationCsv(
            'mean absolute error,ROOT MEAN SQUARED ERROR,Relative Absolute Error,Relative Squared Error,Coefficient of Determination,Notes,Custom Score\n' +
                '1.5,2.25,0.3,0.1,0.9,"looks, fine",7\n',
        );
        assert.equal(m.kind, 'regression');
        if (m.kind !== 'regression') return;
        assert.equal(m.rootMeanSquaredError, 2.25);
        assert.equal(m.coefficientOfDetermination, 0.9);
        assert.deepEqual(m.extra, { customscore: 7 });
        assert.equal(metricRecord(m).meanAbsoluteError, 1.5);
    });

    it('names a missing required metric', () => {
        assert.throws(
            () => parseEvaluationCsv('Accuracy,Precision,Recall,F-Score\n0.8,0.8,0.8,0.8\n'),
            (e: unknown) => e instanceof MetricsParseError && /missing column for auc/.test(e.message),
        );
    });

    it('names a NaN or empty value', () => {
        assert.throws(
            () => parseEvaluationCsv('Accuracy,Precision,Recall,F-Score,AUC\n0.8,NaN,0.8,,0.9\n'),
            (e: unknown) =>
                e instanceof MetricsParseError &&
                /'Precision' is not a number: 'NaN'/.test(e.message) &&
                /'F-Score'/.test(e.message),
        );
    });

    it('rejects outputs with no rows or no known metrics', () => {
        assert.throws(() => parseEvaluationCsv('Accuracy,AUC\n'), MetricsParseError);
        assert.throws(() => parseEvaluationCsv('a,b\n1,2\n'), /no known metric columns/);
    });
});
