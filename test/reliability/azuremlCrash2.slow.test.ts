import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AzureMlCrashRig } from './azuremlCrashKit';

/**
 * SIGKILL the dev host while an Azure ML v2 rollout registers its model, scores the golden rows
 * against the new deployment alone, and retires an earlier deployment (see azuremlCrash.slow.test.ts
 * for what each run must show).
 */
describe('crash during an Azure ML v2 rollout: model, golden rows, retiring (SIGKILL the host, restart it)', () => {
    const rig = new AzureMlCrashRig('crashml', 'crash2-online');
    before(() => rig.start());
    after(() => rig.stop());

    it('killed while the model version is being registered', async () => {
        // The model PUT is held (and its GET): killed inside the registration.
        const run = await rig.crashOnce(
            { scope: rig.target, value: { http: [{ operation: 'v2Model', delayInMs: 4000, times: 1 }] } },
            rig.stepIs('registering-model'),
        );
        await rig.assertPromoted(run);
        assert.equal(run.rollout?.model?.version, run.runId.replace(/[^a-zA-Z0-9\-_.]+/g, '-'));
    });

    it('killed while the golden rows are scored against the new deployment alone', async () => {
        const run = await rig.crashOnce(
            { scope: rig.endpoint, value: { http: [{ operation: 'v2Score', delayInMs: 4000, times: 1 }] } },
            rig.stepIs('checking-deployment'),
        );
        await rig.assertPromoted(run);
        assert.equal(run.rollout?.preTraffic?.passed, true);
        assert.deepEqual(run.rollout?.retired, ['blue'], 'the run before kept blue; this one retires it');
    });

    it('killed while retiring an earlier deployment', async () => {
        // Deletes (and everything else on the endpoint) are held long enough to kill inside one.
        const run = await rig.crashOnce(
            { scope: rig.endpoint, value: { v2OperationDurationInMs: 3000 } },
            rig.stepIs('retiring'),
        );
        await rig.assertPromoted(run);
        assert.equal(run.rollout?.retired.length, 1, JSON.stringify(run.rollout));
        const deletes = rig.operationsOn('deleteDeployment', run.rollout.retired[0]);
        assert.equal(deletes.length, 1, 'one delete of the retired deployment');
    });
});
