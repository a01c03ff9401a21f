import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { configIssues, sampleConfig } from '../helpers/configSample';

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
        const raw = sampleConfig();
        const second = twin(raw, 0, 'churn-eu');
        // The same endpoint spelled differently: the host in capitals, a trailing slash.
        second.update.managementUrl = `${String(second.update.managementUrl).replace('127.0.0.1', 'LOCALHOST').replace('localhost', 'LOCALHOST')}/`;
        raw.targets[0].update.managementUrl = String(raw.targets[0].update.managementUrl).replace(
            '127.0.0.1',
            'localhost',
        );
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(configIssues(raw), [
            `targets[${raw.targets.length - 1}].update: target 'churn-eu' updates the same classic endpoint '${second.update.endpointName}' of web service '${raw.targets[0].update.webServiceId}' as target '${raw.targets[0].name}' (targets[0].update); give each target its own endpoint`,
        ]);
    });

    it('refuses two targets on one ARM web service, the default base URL counting as written out', () => {
        const raw = sampleConfig();
        const second = twin(raw, 1, 'houses-eu');
        second.update.armBaseUrl = 'https://management.azure.com';
        delete raw.targets[1].update.armBaseUrl;
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(configIssues(raw), [
            `targets[${raw.targets.length - 1}].update: target 'houses-eu' updates the same ARM web service '${raw.targets[1].update.webServiceName}' as target 'houses' (targets[1].update); give each target its own endpoint`,
        ]);
    });

    it('accepts targets on different endpoints of one web service, and on different ARM services', () => {
        const raw = sampleConfig();
        const classic = twin(raw, 0, 'churn-eu');
        classic.update.endpointName = 'retrained-eu';
        const arm = twin(raw, 1, 'houses-eu');
        arm.update.webServiceName = 'houses-eu-arm';
        (raw.targets as unknown[]).push(classic, arm);
        assert.deepEqual(configIssues(raw), []);
    });

    it('refuses a third target on the endpoint too, each naming the first that holds it', () => {
        const raw = sampleConfig();
        const n = (raw.targets as unknown[]).push(twin(raw, 0, 'churn-eu'), twin(raw, 0, 'churn-us'));
        assert.deepEqual(
            configIssues(raw).map((i) => i.replace(/ updates the same .* as /, ' … ')),
            [
                `targets[${n - 2}].update: target 'churn-eu' … target 'churn' (targets[0].update); give each target its own endpoint`,
                `targets[${n - 1}].update: target 'churn-us' … target 'churn' (targets[0].update); give each target its own endpoint`,
            ],
        );
    });

    it('refuses two Azure ML targets on one online endpoint of one workspace, whatever their deployment prefixes', () => {
        const raw = sampleConfig();
        const i = (raw.targets as { update: { kind: string } }[]).findIndex((t) => t.update.kind === 'azureml');
        const first = raw.targets[i];
        const second = twin(raw, i, 'churn-v2-eu');
        // Endpoint and resource names are case-insensitive in Azure.
        second.update.endpoint = String(first.update.endpoint).toUpperCase();
        second.update.workspace.name = String(first.update.workspace.name).toUpperCase();
        (raw.targets as unknown[]).push(second);
        assert.deepEqual(configIssues(raw), [
            `targets[${raw.targets.length - 1}].update: target 'churn-v2-eu' updates the same online endpoint '${second.update.endpoint}' of workspace '${second.update.workspace.name}' as target '${first.name}' (targets[${i}].update); give each target its own endpoint`,
        ]);
    });

    it('accepts Azure ML targets on another endpoint of the workspace, or on the same endpoint name in another workspace', () => {
        const raw = sampleConfig();
        const i = (raw.targets as { update: { kind: string } }[]).findIndex((t) => t.update.kind === 'azureml');
        const otherEndpoint = twin(raw, i, 'churn-v2-eu');
        otherEndpoint.update.endpoint = 'churn-v2-eu-online';
        const otherWorkspace = twin(raw, i, 'churn-v2-us');
        otherWorkspace.update.workspace.name = 'churn-v2-us';
        (raw.targets as unknown[]).push(otherEndpoint, otherWorkspace);
        assert.deepEqual(configIssues(raw), []);
    });

    it('accepts the sample config as shipped (npm start loads it)', () => {
        assert.deepEqual(configIssues(sampleConfig()), []);
    });
});
