import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { configuredMetricNames, metricLabel, metricLabels } from '../../src/retraining/metricNames';

describe('metric names for people', () => {
    it("maps each gate metric's canonical key to the config's spelling, thresholds first, first spelling kept", () => {
        assert.deepEqual(
            configuredMetricNames({
                thresholds: [{ metric: 'ROC AUC' }, { metric: 'F1' }],
                improvement: [{ metric: 'AUC' }, { metric: 'log loss' }],
            }),
            { auc: 'ROC AUC', fScore: 'F1', averageLogLoss: 'log loss' },
        );
        assert.deepEqual(configuredMetricNames({ thresholds: [] }), {});
    });

    it('names a metric as the config does, else in its Evaluate Model spelling, else by its key', () => {
        const configured = { auc: 'ROC AUC' };
        assert.equal(metricLabel('auc', configured), 'ROC AUC');
        assert.equal(metricLabel('auc'), 'AUC');
        assert.equal(metricLabel('truePositives', configured), 'True Positives');
        assert.equal(metricLabel('someCustomScore', configured), 'someCustomScore');
        assert.deepEqual(metricLabels(['auc', 'fScore', 'x'], configured), {
            auc: 'ROC AUC',
            fScore: 'F-Score',
            x: 'x',
        });
    });
});
