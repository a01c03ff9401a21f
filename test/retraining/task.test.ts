import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateConfig } from '../../src/retraining/config';
import { intakeDataOf, intakeSchemaOf } from '../../src/retraining/intake';
import { inferTask, taskOf } from '../../src/retraining/task';
import { configIssues, sampleConfig } from '../helpers/configSample';

describe('the task and column types of a target', () => {
    it('the sample says them; configs without them keep working, the task read from the gate', () => {
        const [churn, houses] = validateConfig(sampleConfig()).targets;
        assert.equal(taskOf(churn), 'classification');
        assert.deepEqual(churn.data.classes, ['0', '1']);
        assert.equal(taskOf(houses), 'regression');
        const old = sampleConfig();
        for (const t of old.targets) {
            delete t.data.task;
            delete t.data.classes;
        }
        const [c2, h2] = validateConfig(old).targets;
        assert.equal(taskOf(c2), 'classification', 'AUC and Average Log Loss');
        assert.equal(taskOf(h2), 'regression', 'Coefficient of Determination and RMSE');
    });

    it('infers only when every gate metric agrees and is known', () => {
        assert.equal(inferTask(['AUC', 'accuracy']), 'classification');
        assert.equal(inferTask(['RMSE', 'Mean Absolute Error']), 'regression');
        assert.equal(inferTask(['AUC', 'RMSE']), undefined);
        assert.equal(inferTask(['My Metric']), undefined);
        assert.equal(inferTask([]), undefined);
    });

    it('an older config whose gate does not tell keeps working: any non-empty label', () => {
        const raw = sampleConfig();
        delete raw.targets[0].data.task;
        delete raw.targets[0].data.classes;
        raw.targets[0].gate = { thresholds: [] };
        const [churn] = validateConfig(raw).targets;
        assert.equal(taskOf(churn), undefined);
        assert.equal(intakeSchemaOf(intakeDataOf(churn)).checks.at(-1), 'class');
    });

    it('refuses, naming the key: classes on a regression, a type for no feature, an unknown task', () => {
        const raw = sampleConfig();
        raw.targets[1].data.classes = ['a', 'b'];
        raw.targets[1].data.columnTypes = { sqft: 'numeric', colour: 'text' };
        const issues = configIssues(raw);
        assert.ok(
            issues.includes('targets[1].data.classes: only a classification target has classes'),
            issues.join('\n'),
        );
        assert.ok(
            issues.some((i) => i.startsWith('targets[1].data.columnTypes.colour: not one of the featureColumns')),
            issues.join('\n'),
        );
        raw.targets[0].data.task = 'forecasting';
        assert.ok(configIssues(raw).some((i) => i.startsWith('targets[0].data.task:')));
    });

    it('the intake schema follows the config: numeric by default, text where told, the label by task', () => {
        const raw = sampleConfig();
        raw.targets[0].data.columnTypes = { contract_months: 'text' };
        const [churn, houses] = validateConfig(raw).targets;
        const c = intakeSchemaOf(intakeDataOf(churn));
        assert.deepEqual(c.columns.names, ['tenure', 'monthly_charges', 'support_calls', 'contract_months', 'churned']);
        assert.deepEqual(c.checks, ['numeric', 'numeric', 'numeric', 'text', 'class']);
        assert.deepEqual(intakeSchemaOf(intakeDataOf(houses)).checks.at(-1), 'label-number');
        const plain = intakeSchemaOf(intakeDataOf(validateConfig(sampleConfig()).targets[0]));
        assert.notEqual(plain.key, c.key, 'another schema: cached verdicts are judged again');
    });
});
