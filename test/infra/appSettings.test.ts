import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { RUNS_CONTAINER_SETTING } from '../../src/activities/runtime';
import { loadApp, LoadedApp } from '../../src/local/host/core/loader';
import { CONFIG_PATH_SETTING, loadConfig } from '../../src/retraining/config';
import { settingReferences } from '../../src/retraining/inlineSecrets';
import { identityConnection } from '../../src/retraining/storageConnection';
import { objectVariable, readBicep } from './bicep';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const INFRA = path.join(ROOT, 'infra');
const EXAMPLE_CONFIG = path.join(INFRA, 'retrainer.config.example.json');

const api = readBicep(path.join(INFRA, 'app', 'api.bicep'));
const main = readBicep(path.join(INFRA, 'main.bicep'));
const appSettings = objectVariable(api, 'appSettings');
const plainSettings = [...appSettings.keys()];
const parameters = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
    parameters: { secretSettingNames: { value: string[] } };
};
const secretSettings = parameters.parameters.secretSettingNames.value;

/**
 * The environment the deployed app gets: every setting the Bicep sets, with its literal value, or
 * a stand-in where the value is known only at deploy time (endpoints, client ids).
 */
const standIn = (k: string) =>
    /ServiceUri$/.test(k)
        ? 'https://acct.blob.core.windows.net/'
        : // The watched container is main.bicep's parameter; the config is checked against it.
          k === 'RETRAINER_DATA_CONTAINER'
          ? 'training-data'
          : 'deploy-time-value';
const env: NodeJS.ProcessEnv = Object.fromEntries([
    ...[...appSettings].map(([k, v]) => [k, v ?? standIn(k)]),
    ...secretSettings.map((k) => [k, `@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/${k})`]),
]);
const has = (name: string) => env[name] !== undefined;

/** A connection the host can open: a connection string, or the identity-based form. */
const connectionConfigured = (name: string) => has(name) || identityConnection(name, env) !== undefined;

const mainDefault = (param: string): string => {
    const m = new RegExp(`^param ${param} \\w+ = (.+)$`, 'm').exec(readFileSync(main.path, 'utf8'));
    assert.ok(m, `main.bicep param ${param} has no default`);
    return m[1];
};

/**
 * Infra and code agree: every setting the code, the bindings, host.json and the example config
 * read is set by infra/app/api.bicep (plain or as a Key Vault reference), in the shape the code
 * accepts. The real config loader judges the config against that environment.
 */
// The schedule is a Bicep parameter: the deployed value is main.bicep's default (6 fields, checked by the loader).
env.RETRAINER_TIMER_SCHEDULE = mainDefault('timerSchedule').replace(/^'(.*)'$/, '$1');

describe('infra app settings match what the app reads', () => {
    let app: LoadedApp;

    before(() => {
        app = loadApp(ROOT);
    });

    it('the example Azure config loads against the deployed settings (the real loader)', () => {
        const loaded = loadConfig(EXAMPLE_CONFIG, env);
        assert.equal(loaded.config.targets.length, 2);
        assert.deepEqual(loaded.config.targets.map((t) => t.update.kind).sort(), ['arm', 'classic']);
    });

    it('every API key the config names is a Key Vault reference, never a plain setting', () => {
        const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as unknown;
        const secretRefs = settingReferences(raw).filter((r) => /apiKeySetting$|secretSetting$/.test(r.path));
        assert.ok(secretRefs.length >= 4);
        for (const r of secretRefs) {
            assert.ok(secretSettings.includes(r.name), `${r.path}: ${r.name} is not a Key Vault reference`);
            assert.ok(!plainSettings.includes(r.name), `${r.name} is also a plain setting`);
        }
        for (const s of secretSettings) assert.match(s, /^[A-Z][A-Z0-9_]*$/, 'maps to a valid Key Vault secret name');
    });

    it('the data storage connection is identity-based (shared keys are off)', () => {
        const name = (
            JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { storage: { connectionStringSetting: string } }
        ).storage.connectionStringSetting;
        assert.ok(!has(name), `${name} must not be a connection string: the account has no usable keys`);
        assert.deepEqual(identityConnection(name, env), {
            blobServiceUri: 'https://acct.blob.core.windows.net/',
            managedIdentity: true,
            clientId: 'deploy-time-value',
        });
    });

    it('every %setting% and connection in the registered bindings is set', () => {
        let checked = 0;
        for (const f of app.registry.functions.values()) {
            for (const raw of f.metadata.rawBindings) {
                const b = JSON.parse(raw) as Record<string, unknown>;
                for (const v of Object.values(b)) {
                    for (const m of typeof v === 'string' ? v.matchAll(/%(\w+)%/g) : []) {
                        assert.ok(has(m[1]), `${f.id}: ${m[1]} is not set`);
                        checked++;
                    }
                }
                if (typeof b.connection === 'string') {
                    assert.ok(connectionConfigured(b.connection), `${f.id}: connection ${b.connection} is not set`);
                    checked++;
                }
            }
        }
        assert.ok(checked >= 3, `checked ${checked} references`);
    });

    it('host.json settings, the durable storage services, and the settings the code reads are set', () => {
        const hostJson = readFileSync(path.join(ROOT, 'host.json'), 'utf8');
        for (const m of hostJson.matchAll(/%(\w+)%/g)) assert.ok(has(m[1]), `host.json: ${m[1]} is not set`);
        // Durable Functions on Azure Storage uses blobs, queues and tables of AzureWebJobsStorage.
        for (const s of ['blob', 'queue', 'table']) assert.ok(has(`AzureWebJobsStorage__${s}ServiceUri`), s);
        assert.equal(env.AzureWebJobsStorage__credential, 'managedidentity');
        for (const s of [CONFIG_PATH_SETTING, RUNS_CONTAINER_SETTING]) assert.ok(has(s), `${s} is not set`);
        assert.ok(has('APPLICATIONINSIGHTS_CONNECTION_STRING'));
    });

    it('no setting Flex Consumption rejects (the runtime is in functionAppConfig)', () => {
        for (const s of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE']) {
            assert.ok(!has(s), `${s} must not be an app setting on Flex Consumption`);
        }
    });

    it('containers the example config uses are the ones infra creates', () => {
        const config = loadConfig(EXAMPLE_CONFIG, env).config;
        const dataDefault = mainDefault('dataContainerName');
        const modelDefaults = mainDefault('modelContainerNames');
        for (const t of config.targets) {
            assert.equal(`'${t.data.container}'`, dataDefault, `${t.name}: data container`);
            assert.ok(modelDefaults.includes(`'${t.modelOutput.container}'`), `${t.name}: model container`);
        }
    });
});
