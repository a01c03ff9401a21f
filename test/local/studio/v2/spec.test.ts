import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import Ajv from 'ajv';

import { AzureMlSpec } from '../../../../src/local/studio/v2/spec';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..', '..', 'src', 'local', 'studio', 'v2', 'spec');
const ML = path.join(
    ROOT,
    'specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/stable/2022-10-01',
);

type AnyJson = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const example = (name: string): AnyJson => JSON.parse(readFileSync(path.join(ML, 'examples', name), 'utf8'));

/** A valid command job, from the spec's own example. */
function commandJob(): AnyJson {
    return structuredClone(example('Job/CommandJob/createOrUpdate.json').parameters.body);
}

function managedDeployment(): AnyJson {
    return structuredClone(example('OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json').parameters.body);
}

describe('AzureMlSpec: the 2022-10-01 spec with discriminated types resolved', () => {
    const spec = AzureMlSpec.load();

    it("accepts the spec's own examples, requests and responses", () => {
        const cases: [string, string][] = [
            ['Job/CommandJob/createOrUpdate.json', 'Jobs_CreateOrUpdate'],
            ['ModelVersion/createOrUpdate.json', 'ModelVersions_CreateOrUpdate'],
            ['OnlineDeployment/ManagedOnlineDeployment/createOrUpdate.json', 'OnlineDeployments_CreateOrUpdate'],
            ['OnlineDeployment/ManagedOnlineDeployment/get.json', 'OnlineDeployments_Get'],
            ['OnlineEndpoint/get.json', 'OnlineEndpoints_Get'],
        ];
        let checked = 0;
        for (const [file, op] of cases) {
            const ex = example(file);
            if (ex.parameters.body) {
                assert.deepEqual(spec.validateRequest(op, ex.parameters.body), [], `${file} request`);
                checked++;
            }
            for (const [status, r] of Object.entries(ex.responses as Record<string, { body?: unknown }>)) {
                assert.deepEqual(spec.validateResponse(op, Number(status), r.body), [], `${file} ${status}`);
                checked++;
            }
        }
        assert.equal(checked, 11);
    });

    it('checks a job against the subtype its jobType names (CommandJob needs command and environmentId)', () => {
        const body = commandJob();
        delete body.properties.command;
        assert.deepEqual(spec.validateRequest('Jobs_CreateOrUpdate', body), [
            "body/properties must have required property 'command'",
        ]);
        const unknownType = commandJob();
        unknownType.properties.jobType = 'Training';
        assert.ok(spec.validateRequest('Jobs_CreateOrUpdate', unknownType).some((p) => p.includes('jobType')));
        const stray = commandJob();
        stray.properties.trials = {}; // a SweepJob property: not one of a CommandJob's
        assert.deepEqual(spec.validateRequest('Jobs_CreateOrUpdate', stray), [
            "body/properties must NOT have additional properties 'trials'",
        ]);
    });

    it('checks nested discriminated types too (job inputs by jobInputType)', () => {
        const body = commandJob();
        body.properties.inputs = { data: { jobInputType: 'uri_file', mode: 'ReadOnlyMount' } };
        assert.ok(spec.validateRequest('Jobs_CreateOrUpdate', body).some((p) => p.includes("'uri'")));
        body.properties.inputs = { data: { jobInputType: 'literal', value: '0.1' } };
        assert.deepEqual(spec.validateRequest('Jobs_CreateOrUpdate', body), []);
    });

    it('checks a deployment against the subtype its endpointComputeType names', () => {
        const managed = managedDeployment();
        assert.deepEqual(spec.validateRequest('OnlineDeployments_CreateOrUpdate', managed), []);
        // containerResourceRequirements belongs to KubernetesOnlineDeployment only.
        managed.properties.containerResourceRequirements = {};
        assert.deepEqual(spec.validateRequest('OnlineDeployments_CreateOrUpdate', managed), [
            "body/properties must NOT have additional properties 'containerResourceRequirements'",
        ]);
        managed.properties.endpointComputeType = 'Kubernetes';
        assert.deepEqual(spec.validateRequest('OnlineDeployments_CreateOrUpdate', managed), []);
    });

    it('needs the translation: plain JSON-schema validation of the raw swagger misses what it catches', () => {
        const raw = JSON.parse(readFileSync(path.join(ML, 'mfe.json'), 'utf8'));
        const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: false });
        // Cross-file references are stubbed: the point is what happens within the main file.
        const stub = JSON.parse(
            JSON.stringify(raw).replace(/"\.\.\/[^"#]*#\/definitions\/[^"]*"/g, '"#/definitions/AnyStub"'),
        );
        stub.definitions.AnyStub = {};
        ajv.addSchema({ $id: 'raw', definitions: stub.definitions });
        const plain = ajv.getSchema('raw#/definitions/JobBase')!;
        const noCommand = commandJob().properties;
        delete noCommand.command;
        // JobBase says additionalProperties:false and knows nothing of CommandJob: plain validation
        // rejects the valid job for its inherited fields, yet would never ask for `command`.
        assert.equal(plain(commandJob().properties), false);
        assert.ok(!(plain.errors ?? []).some((e) => e.message?.includes('command')));
        assert.deepEqual(spec.validateDefinition('JobBase', commandJob().properties), []);
        assert.deepEqual(spec.validateDefinition('JobBase', noCommand), [
            "JobBase must have required property 'command'",
        ]);
    });

    it('reads x-nullable as null allowed, and checks formats and path names', () => {
        const body = commandJob();
        body.properties.displayName = null;
        assert.deepEqual(spec.validateRequest('Jobs_CreateOrUpdate', body), []);
        const endpoint = example('OnlineEndpoint/get.json').responses['200'].body;
        endpoint.properties.traffic = { blue: 1.5 };
        assert.ok(spec.validateResponse('OnlineEndpoints_Get', 200, endpoint).some((p) => p.includes('traffic/blue')));
        assert.deepEqual(spec.validatePath('Jobs_CreateOrUpdate', { id: 'retrain-churn-1' }), []);
        assert.equal(spec.validatePath('Jobs_CreateOrUpdate', { id: 'bad.name' }).length, 1);
    });

    it('knows which statuses an operation answers, and the ARM error shape for the others', () => {
        assert.deepEqual(spec.validateResponse('OnlineDeployments_Delete', 202, undefined), []);
        assert.equal(spec.validateResponse('OnlineDeployments_Get', 201, {}).length, 1);
        assert.deepEqual(
            spec.validateResponse('Jobs_Get', 404, { error: { code: 'ResourceNotFound', message: 'x' } }),
            [],
        );
        assert.ok(spec.validateResponse('Jobs_Get', 404, { error: 'not an object' }).length > 0);
        const found = spec.findOperation(
            'PUT',
            '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/e/deployments/d',
        );
        assert.equal(found?.operation.operationId, 'OnlineDeployments_CreateOrUpdate');
        assert.equal(found?.params.deploymentName, 'd');
    });
});
