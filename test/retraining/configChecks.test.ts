import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { registerEmulatorDeploymentMetrics } from '../../src/local/studio/emulatorDeploymentMetrics';
import { ConfigError, validateConfig } from '../../src/retraining/config';

// The sample's ARM and Azure ML targets name the offline stack's `emulator` credential and metrics kinds.
registerEmulatorCredential();
registerEmulatorDeploymentMetrics();

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture each test mutates freely
const sample = (): any => JSON.parse(readFileSync(SAMPLE, 'utf8'));

function issuesOf(raw: unknown): string[] {
    try {
        validateConfig(raw);
    } catch (e: unknown) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.issues;
    }
    return [];
}

/** A copy of target `i` of `raw` under another name and data prefix, same endpoint. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON fixture's shape
function twin(raw: any, i: number, name: string): any {
    const t = structuredClone(raw.targets[i]);
    t.name = name;
    t.data.prefixPattern = `${name}/*.csv`;
    if (t.update.kind === 'azureml') t.update.deploymentPrefix = name;
    return t;
}

describe('config checks: two targets updating one endpoint', () => {
    it('refuses two targets on one classic endpoint, naming both targets and the key', () => {
        const raw = sample();
        const second = twin(raw, 0, 'churn-eu');
        // The same endpoint spelled differently: the host in capitals, a trailing slash.
        second.update.managementUrl = `${String(second.update.managementUrl).replace('127.0.0.1', 'LOCALHOST').replace('localhost', 'LOCALHOST')}/`;
        raw.targets[0].update.managementUrl = String(raw.targets[0].update.managementUrl).replace(
            '127.0.0.1',
            'localhost',
        );
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(issuesOf(raw), [
            `targets[${raw.targets.length - 1}].update: target 'churn-eu' updates the same classic endpoint '${second.update.endpointName}' of web service '${raw.targets[0].update.webServiceId}' as target '${raw.targets[0].name}' (targets[0].update); give each target its own endpoint`,
        ]);
    });

    it('refuses two targets on one ARM web service, the default base URL counting as written out', () => {
        const raw = sample();
        const second = twin(raw, 1, 'houses-eu');
        second.update.armBaseUrl = 'https://management.azure.com';
        delete raw.targets[1].update.armBaseUrl;
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(issuesOf(raw), [
            `targets[${raw.targets.length - 1}].update: target 'houses-eu' updates the same ARM web service '${raw.targets[1].update.webServiceName}' as target 'houses' (targets[1].update); give each target its own endpoint`,
        ]);
    });

    it('accepts targets on different endpoints of one web service, and on different ARM services', () => {
        const raw = sample();
        const classic = twin(raw, 0, 'churn-eu');
        classic.update.endpointName = 'retrained-eu';
        const arm = twin(raw, 1, 'houses-eu');
        arm.update.webServiceName = 'houses-eu-arm';
        (raw.targets as unknown[]).push(classic, arm);
        assert.deepEqual(issuesOf(raw), []);
    });

    it('refuses a third target on the endpoint too, each naming the first that holds it', () => {
        const raw = sample();
        const n = (raw.targets as unknown[]).push(twin(raw, 0, 'churn-eu'), twin(raw, 0, 'churn-us'));
        assert.deepEqual(
            issuesOf(raw).map((i) => i.replace(/ updates the same .* as /, ' … ')),
            [
                `targets[${n - 2}].update: target 'churn-eu' … target 'churn' (targets[0].update); give each target its own endpoint`,
                `targets[${n - 1}].update: target 'churn-us' … target 'churn' (targets[0].update); give each target its own endpoint`,
            ],
        );
    });

    it('refuses two Azure ML targets on one online endpoint of one workspace, whatever their deployment prefixes', () => {
        const raw = sample();
        const i = (raw.targets as { update: { kind: string } }[]).findIndex((t) => t.update.kind === 'azureml');
        const first = raw.targets[i];
        const second = twin(raw, i, 'churn-v2-eu');
        // Endpoint and resource names are case-insensitive in Azure.
        second.update.endpoint = String(first.update.endpoint).toUpperCase();
        second.update.workspace.name = String(first.update.workspace.name).toUpperCase();
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(issuesOf(raw), [
            `targets[${raw.targets.length - 1}].update: target 'churn-v2-eu' updates the same online endpoint '${second.update.endpoint}' of workspace '${second.update.workspace.name}' as target '${first.name}' (targets[${i}].update); give each target its own endpoint`,
        ]);
    });

    it('accepts Azure ML targets on another endpoint of the workspace, or on the same endpoint name in another workspace', () => {
        const raw = sample();
        const i = (raw.targets as { update: { kind: string } }[]).findIndex((t) => t.update.kind === 'azureml');
        const otherEndpoint = twin(raw, i, 'churn-v2-eu');
        otherEndpoint.update.endpoint = 'churn-v2-eu-online';
        const otherWorkspace = twin(raw, i, 'churn-v2-us');
        otherWorkspace.update.workspace.name = 'churn-v2-us';
        (raw.targets as unknown[]).push(otherEndpoint, otherWorkspace);
        assert.deepEqual(issuesOf(raw), []);
    });

    it('accepts the sample config as shipped (npm start loads it)', () => {
        assert.deepEqual(issuesOf(sample()), []);
    });
});
