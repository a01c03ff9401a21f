import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { createDeps } from '../../src/activities/runtime';
import { registerArmCredentialProvider } from '../../src/clients/armCredentials';
import { loadConfig } from '../../src/retraining/config';

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
const ENV = {
    RETRAINER_DATA_STORAGE: 'UseDevelopmentStorage=true',
    CHURN_TRAINING_API_KEY: 'k1-training',
    CHURN_ENDPOINT_API_KEY: 'k2-endpoint',
    HOUSES_TRAINING_API_KEY: 'k3-training',
    HOUSES_ARM_API_KEY: 'k4-arm',
};

describe('createDeps', () => {
    it('builds each client, and the ARM credential, once per target for the process', () => {
        let credentials = 0;
        registerArmCredentialProvider({
            kind: 'counting',
            schema: z.strictObject({ kind: z.literal('counting') }),
            create: () => {
                credentials++;
                return { getToken: () => Promise.resolve(null) };
            },
        });
        const raw = JSON.parse(readFileSync(SAMPLE, 'utf8'));
        // The classic and ARM targets; the azureml demo target's clients are covered with its own tests.
        raw.targets = (raw.targets as { update: { kind: string } }[]).filter((t) => t.update.kind !== 'azureml');
        raw.targets[1].update.credential = { kind: 'counting' };
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'retrainer-deps-')), 'retrainer.config.json');
        writeFileSync(file, JSON.stringify(raw));
        const deps = createDeps(loadConfig(file, ENV), ENV);
        const [churn, houses] = deps.config.targets;
        assert.ok(churn && houses);

        assert.equal(deps.bes(churn), deps.bes(churn));
        assert.notEqual(deps.bes(churn), deps.bes(houses));
        assert.equal(deps.scoring(houses), deps.scoring(houses));
        assert.equal(deps.classic(churn), deps.classic(churn));
        assert.equal(credentials, 0, 'no credential before the first ARM call');
        assert.equal(deps.arm(houses), deps.arm(houses));
        assert.equal(credentials, 1);
        assert.throws(() => deps.arm(churn), /not an ARM web service target/);
    });
});
