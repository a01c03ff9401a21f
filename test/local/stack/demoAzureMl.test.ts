import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { AzureMlClient } from '../../../src/clients/azureml';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { parseSeed } from '../../../src/local/studio/seed';
import type { StudioServer } from '../../../src/local/studio/server';
import { DEMO_AZUREML, seedDemoAzureMl } from '../../../src/local/stack/demoAzureMl';
import { TestStorage, testStorage, uniqueName } from '../../helpers/azurite';
import { startStudio } from '../../helpers/environment';
import { FEATURES } from '../studio/kit';

const ROOT = path.resolve(__dirname, '../../../..');

describe("npm start's demo Azure ML v2 workspace (the repo's studio.seed.json, on the real emulator)", () => {
    let storage: TestStorage;
    let studio: StudioServer;
    let client: AzureMlClient;
    const raw = JSON.parse(readFileSync(path.join(ROOT, 'studio.seed.json'), 'utf8')) as Record<string, unknown>;
    const seed = parseSeed(raw);
    const ws = seed.azureml[0];

    before(async () => {
        storage = await testStorage();
        // The demo's datastore container, made unique so test runs never share it.
        ws.datastores.workspaceblobstore = uniqueName('azureml-demo');
        studio = await startStudio({ seed: { ...raw, azureml: [ws] } });
        client = new AzureMlClient(
            { subscriptionId: ws.subscriptionId, resourceGroup: ws.resourceGroup, workspace: ws.name },
            new EmulatorCredential(seed.armTokenSecret),
            { endpoint: studio.url.replace(/\/+$/, '') },
        );
    });
    after(() => studio.close());

    const options = () => ({
        studioUrl: studio.url,
        armTokenSecret: seed.armTokenSecret,
        workspace: ws,
        storageConnectionString: storage.connectionString,
    });

    it("seeds an endpoint whose one deployment 'blue' serves the initial model at 100%", async () => {
        assert.ok(ws, 'studio.seed.json has an azureml workspace');
        const seeded = await seedDemoAzureMl(options());
        assert.equal(seeded.created, true);
        assert.equal(seeded.endpoint, DEMO_AZUREML.endpoint);

        const endpoint = await client.getEndpoint(DEMO_AZUREML.endpoint);
        assert.equal(endpoint.provisioningState, 'Succeeded');
        assert.deepEqual(endpoint.traffic, { blue: 100 });
        const blue = await client.findDeployment(DEMO_AZUREML.endpoint, 'blue');
        assert.equal(blue?.provisioningState, 'Succeeded');
        assert.match(blue?.model ?? '', /\/models\/churn\/versions\/1$/);

        // Scoring by traffic weight reaches blue, and its trained model answers the golden rows the
        // sample config's churn-v2 target verifies with (retrainer.config.sample.json) as expected.
        const config = JSON.parse(readFileSync(path.join(ROOT, 'retrainer.config.sample.json'), 'utf8')) as {
            targets: {
                name: string;
                smokeTest?: { rows: { input: Record<string, number>; expected: Record<string, string> }[] };
            }[];
        };
        const golden = config.targets.find((t) => t.name === 'churn-v2')!.smokeTest!.rows;
        const result = await client.score({
            scoringUri: endpoint.scoringUri!,
            key: await client.getEndpointKey(DEMO_AZUREML.endpoint),
            columns: FEATURES,
            rows: golden.map((g) => FEATURES.map((f) => g.input[f])),
        });
        assert.equal(result.deployment, 'blue');
        assert.deepEqual(
            result.predictions.map((p) => p['Scored Labels']),
            golden.map((g) => g.expected['Scored Labels']),
        );
    });

    it('leaves the endpoint as it is on a later start (a restart never undoes a promotion)', async () => {
        const before = studio.stats().operations;
        const again = await seedDemoAzureMl(options());
        const after = studio.stats().operations;
        assert.equal(again.created, false);
        assert.deepEqual((await client.getEndpoint(DEMO_AZUREML.endpoint)).traffic, { blue: 100 });
        // Only the endpoint was read: no job, model, deployment or traffic call.
        for (const op of ['v2Job', 'v2Model', 'v2Deployment', 'v2Operation'])
            assert.equal(after[op] ?? 0, before[op] ?? 0, op);
        assert.equal(after.v2Endpoint, (before.v2Endpoint ?? 0) + 1);
    });
});
