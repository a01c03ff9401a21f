import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { registerEmulatorDeploymentMetrics } from '../../src/local/studio/emulatorDeploymentMetrics';
import { ConfigError, validateConfig } from '../../src/retraining/config';

// The sample's ARM target names the offline stack's `emulator` credential kind, and its Azure ML v2
// target reads live metrics through the offline stack's `emulator` kind.
registerEmulatorCredential();
registerEmulatorDeploymentMetrics();

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');

/** The repo's retrainer.config.sample.json, parsed afresh: a JSON fixture each test mutates freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON fixture's shape
export const sampleConfig = (): any => JSON.parse(readFileSync(SAMPLE, 'utf8'));

/**
 * The issues `validateConfig` names for `raw` (its ConfigError's list), or [] when `raw` is valid.
 * Any other error fails the test.
 */
export function configIssues(raw: unknown): string[] {
    try {
        validateConfig(raw);
    } catch (e: unknown) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.issues;
    }
    return [];
}
