import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { SeedError, parseSeed } from '../../../src/local/studio/seed';
import { testSeed } from './kit';

/** dist/test/local/studio -> repo root */
const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

function problemsOf(json: unknown): string[] {
    try {
        parseSeed(json);
    } catch (err) {
        assert.ok(err instanceof SeedError, String(err));
        return err.problems;
    }
    return [];
}

describe('studio seed', () => {
    it('accepts the committed demo seed: two training services, a classic service with two endpoints, an ARM service', () => {
        const seed = parseSeed(JSON.parse(readFileSync(path.join(ROOT, 'studio.seed.json'), 'utf8')) as unknown);
        assert.deepEqual(seed.trainingServices.map((t) => t.experiment.algorithm).sort(), [
            'linear-regression',
            'two-class-logistic-regression',
        ]);
        assert.equal(seed.classicWebServices.length, 1);
        assert.ok(seed.classicWebServices[0].endpoints.length >= 2);
        assert.equal(seed.armWebServices.length, 1);
        for (const key of [seed.adminKey, seed.armTokenSecret, ...seed.workspaces.map((w) => w.authorizationToken)]) {
            assert.ok(key.length >= 40, 'demo keys are long');
        }
    });

    it('fills defaults: string status codes, input1/output1/output2', () => {
        const seed = parseSeed(testSeed());
        const t = seed.trainingServices[0];
        assert.equal(t.statusCodeFormat, 'string');
        assert.deepEqual([t.inputName, t.modelOutputName, t.evaluationOutputName], ['input1', 'output1', 'output2']);
    });

    it('names every invalid key in one error', () => {
        const seed = structuredClone(testSeed()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        seed.adminKey = 'short';
        seed.surprise = true;
        seed.trainingServices[0].experiment.algorithm = 'random-forest';
        seed.trainingServices[1].statusCodeFormat = 'hex';
        seed.classicWebServices[0].endpoints[1].name = 'Not_Valid';
        seed.armWebServices[0].serviceId = 'XYZ';
        const problems = problemsOf(seed);
        const joined = problems.join('\n');
        for (const key of [
            'adminKey',
            'surprise',
            'trainingServices.0.experiment.algorithm',
            'trainingServices.1.statusCodeFormat',
            'classicWebServices.0.endpoints.1.name',
            'armWebServices.0.serviceId',
        ]) {
            assert.ok(joined.includes(key), `${key} missing from:\n${joined}`);
        }
        assert.ok(problems.length >= 6);
    });

    it('checks references across sections and duplicate service ids', () => {
        const seed = structuredClone(testSeed()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        seed.trainingServices[0].workspaceId = 'ws-unknown';
        seed.classicWebServices[0].experimentServiceId = 'no-such-training';
        seed.classicWebServices[0].endpoints[1].serviceId = 'churn-training-num';
        const joined = problemsOf(seed).join('\n');
        assert.match(joined, /trainingServices\.0\.workspaceId: unknown workspace 'ws-unknown'/);
        assert.match(joined, /classicWebServices\.0\.experimentServiceId: unknown training service/);
        assert.match(joined, /serviceId 'churn-training-num' is already used/);
    });

    it('never quotes a key in its error', () => {
        const seed = structuredClone(testSeed()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        seed.workspaces[0].authorizationToken = 'tiny';
        seed.trainingServices[0].apiKey = 42;
        const text = problemsOf(seed).join('\n');
        assert.match(text, /workspaces\.0\.authorizationToken/);
        assert.ok(!text.includes('tiny'));
    });
});
