import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { initialDefinition } from '../../../../src/local/studio/arm/definition';
import { validateArmOperationStatus, validateArmWebService } from '../../../../src/local/studio/arm/schema';
import { parseSeed } from '../../../../src/local/studio/seed';
import { testSeed } from '../kit';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A WebService as GET returns it, built the way the emulator builds its seeded services. */
function getBody(): Json {
    const seed = parseSeed(testSeed());
    return initialDefinition(
        seed,
        seed.armWebServices[0],
        'http://127.0.0.1:1',
        'https://x/m.ilearner',
        '2026-01-01T00:00:00Z',
    );
}

/** What a client PUTs: the GET body without the read-only properties, with keys. */
function putBody(): Json {
    const body = structuredClone(getBody());
    delete body.id;
    delete body.name;
    delete body.type;
    for (const p of ['createdOn', 'modifiedOn', 'provisioningState', 'swaggerLocation']) delete body.properties[p];
    body.properties.keys = { primary: 'k1-xxxxxxxx', secondary: 'k2-xxxxxxxx' };
    return body;
}

describe('ARM web service schema validation (2017-01-01 swagger)', () => {
    it('the in-repo spec is the official one, byte for byte', () => {
        // sha256 of shared/specs/arm-webservices-2017-01-01.json (azure-rest-api-specs,
        // specification/machinelearning/resource-manager/Microsoft.MachineLearning/stable/2017-01-01/webservices.json;
        // see shared/specs/SOURCES.md), recorded here so the test needs no file outside the repo.
        const copy = readFileSync(
            path.resolve(__dirname, '../../../../../src/local/studio/arm/webservices-2017-01-01.json'),
        );
        assert.equal(
            createHash('sha256').update(copy).digest('hex'),
            'e3ce2883122f5d80cfa64996faa6a179f3a8f3b105dba287b3641f58db3c2e72',
        );
        assert.equal((JSON.parse(copy.toString()) as Json).info.version, '2017-01-01');
    });

    it('accepts a GET body as a response and a sample PUT body as a request', () => {
        assert.deepEqual(validateArmWebService(getBody(), 'response'), []);
        assert.deepEqual(validateArmWebService(putBody(), 'request'), []);
    });

    it('a response must not carry keys or the storage key', () => {
        const body = getBody();
        body.properties.keys = { primary: 'p', secondary: 's' };
        body.properties.storageAccount.key = 'account-key';
        const problems = validateArmWebService(body, 'response');
        assert.ok(problems.includes('/properties/keys must not be returned'), problems.join('; '));
        assert.ok(problems.includes('/properties/storageAccount/key must not be returned'), problems.join('; '));
    });

    it('a request that sends read-only properties back is flagged', () => {
        const problems = validateArmWebService(
            { ...putBody(), id: '/x', properties: { ...putBody().properties, provisioningState: 'Succeeded' } },
            'request',
        );
        assert.ok(problems.includes('/id is read-only'), problems.join('; '));
        assert.ok(problems.includes('/properties/provisioningState is read-only'), problems.join('; '));
    });

    it('names the path of each schema problem', () => {
        const body = putBody();
        delete body.location;
        body.properties.realtimeConfiguration = { maxConcurrentCalls: 'many' };
        body.properties.diagnostics = { level: 'Verbose' };
        const problems = validateArmWebService(body, 'request');
        const text = problems.join('\n');
        assert.match(text, /location/);
        assert.match(text, /\/properties\/realtimeConfiguration\/maxConcurrentCalls must be integer/);
        assert.match(text, /\/properties\/diagnostics\/level must be equal to one of the allowed values/);
    });

    it('applies the packageType discriminator: Graph bodies are checked as WebServicePropertiesForGraph', () => {
        const body = putBody();
        body.properties.package = { nodes: 'not an object' };
        const problems = validateArmWebService(body, 'request');
        assert.ok(
            problems.some((p) => p.startsWith('/properties/package/nodes')),
            problems.join('; '),
        );
        const other = putBody();
        other.properties.packageType = 'Python';
        assert.ok(validateArmWebService(other, 'request').some((p) => p.includes('packageType')));
    });

    it('validates AsyncOperationStatus bodies', () => {
        const ok = {
            id: '/x',
            name: 'op',
            provisioningState: 'Succeeded',
            startTime: '2026-01-01T00:00:00Z',
            percentComplete: 100,
        };
        assert.deepEqual(validateArmOperationStatus(ok), []);
        assert.notDeepEqual(validateArmOperationStatus({ ...ok, provisioningState: 'InProgress' }), []);
    });
});
