import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { deriveDeploymentName } from '../../src/clients/azureml';
import { AzureMlCrashRig } from './azuremlCrashKit';

/**
 * SIGKILL the dev host (its own process) at each step of an Azure ML v2 rollout, start a new one on
 * the same storage, and check: the run ends Promoted, the studio saw exactly one deployment PUT for
 * it (a resumed run never makes a second deployment), the endpoint ends with the new deployment at
 * 100%, and every traffic map it was sent was accepted. Runs follow each other on one target, so
 * the later ones also retire what keepDeployments does not keep. (The other steps:
 * azuremlCrash2.slow.test.ts; split so each file stays within the runner's per-file timeout.)
 */
describe('crash during an Azure ML v2 rollout: deployment, bake, traffic (SIGKILL the host, restart it)', () => {
    const rig = new AzureMlCrashRig('crashml', 'crash-online');
    before(() => rig.start());
    after(() => rig.stop());

    let first = '';
    it('killed while the new deployment is being created', async () => {
        // Hold every deployment operation long enough to kill inside it.
        const run = await rig.crashOnce(
            { scope: rig.endpoint, value: { v2OperationDurationInMs: 3000 } },
            rig.stepIs('deploying'),
        );
        first = await rig.assertPromoted(run);
        assert.ok(await rig.client.findDeployment(rig.endpoint, 'blue'), 'keepDeployments 1 keeps blue');
    });

    it('killed during a bake: the resumed run bakes on and promotes, retiring beyond keepDeployments', async () => {
        const run = await rig.crashOnce(null, async (h) => {
            if (!(await rig.stepIs('baking')(h))) return false;
            const runId = await rig.runIdOf(h);
            // Killed in the 50% step's bake.
            return (
                runId !== undefined &&
                (await rig.client.getEndpoint(rig.endpoint)).traffic[deriveDeploymentName(rig.target, runId)] === 50
            );
        });
        await rig.assertPromoted(run);
        assert.deepEqual(
            run.rollout?.steps.map((s) => s.percent),
            [10, 50, 100],
        );
        // keepDeployments 1: the previous one stays, blue (older) is retired.
        assert.ok(await rig.client.findDeployment(rig.endpoint, first), 'the previous deployment is kept');
        assert.equal(await rig.client.findDeployment(rig.endpoint, 'blue'), undefined, 'blue is retired');
        assert.deepEqual(run.rollout?.retired, ['blue']);
    });

    it('killed while a traffic change is in progress', async () => {
        const run = await rig.crashOnce(
            { scope: rig.endpoint, value: { v2OperationDurationInMs: 3000 } },
            rig.stepIs('shifting-traffic'),
        );
        await rig.assertPromoted(run);
    });
});
