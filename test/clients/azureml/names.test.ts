import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { deriveDeploymentName, deriveJobName, deriveModelVersion } from '../../../src/clients/azureml';
import { AzureMlSpec } from '../../../src/local/studio/v2/spec';

describe('Azure ML names derived from a run', () => {
    const spec = AzureMlSpec.load();
    const runIds = ['run-0001', '2026-11-30T01:02:03Z_ab12', 'a'.repeat(300), 'ünïcode/with spaces', '-leading'];

    it('are the same for the same run (a retried step names the same resource) and differ between runs', () => {
        for (const id of runIds) {
            assert.equal(deriveJobName('churn', id), deriveJobName('churn', id));
            assert.equal(deriveModelVersion(id), deriveModelVersion(id));
            assert.equal(deriveDeploymentName('churn', id), deriveDeploymentName('churn', id));
        }
        const jobs = new Set(runIds.map((id) => deriveJobName('churn', id)));
        assert.equal(jobs.size, runIds.length);
        assert.notEqual(deriveJobName('churn', 'a'.repeat(300)), deriveJobName('churn', `${'a'.repeat(299)}b`));
        assert.notEqual(deriveDeploymentName('churn', 'run-1'), deriveDeploymentName('churn', 'run-2'));
    });

    it('match the patterns the spec gives job, model and deployment names', () => {
        for (const id of runIds) {
            assert.deepEqual(spec.validatePath('Jobs_CreateOrUpdate', { id: deriveJobName('churn', id) }), [], id);
            assert.deepEqual(
                spec.validatePath('ModelVersions_CreateOrUpdate', { name: 'churn', version: deriveModelVersion(id) }),
                [],
            );
            const d = deriveDeploymentName('7-churn model', id);
            assert.deepEqual(
                spec.validatePath('OnlineDeployments_CreateOrUpdate', { endpointName: 'e', deploymentName: d }),
                [],
            );
            assert.match(d, /^[a-zA-Z][a-zA-Z0-9-]{2,31}$/);
        }
    });
});
