import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { RUNS_CONTAINER_SETTING } from '../../src/activities/runtime';
import { loadApp, LoadedApp } from '../../src/local/host/core/loader';
import { CONFIG_PATH_SETTING, loadConfig } from '../../src/retraining/config';
import { settingReferences } from '../../src/retraining/inlineSecrets';
import { identityConnection } from '../../src/retraining/storageConnection';
import { ArmTemplate } from './bicepCli';
import { INFRA, mainTemplate, moduleArgument, moduleNamed, moduleTemplate, ROOT } from './armTemplate';

const EXAMPLE_CONFIG = path.join(INFRA, 'retrainer.config.example.json');

const parameters = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
    parameters: { secretSettingNames: { value: string[] } };
};
const secretSettings = parameters.parameters.secretSettingNames.value;

/** How infra/app/api.bicep, compiled, turns each name of secretSettingNames into a setting. */
const KEY_VAULT_REFERENCE =
    "[toObject(parameters('secretSettingNames'), lambda('n', lambdaVariables('n')), lambda('n', format('@Microsoft.KeyVault(SecretUri={0}secrets/{1})', parameters('keyVaultUri'), replace(lambdaVariables('n'), '_', '-'))))]";

interface DeployedSettings {
    main: ArmTemplate;
    /** The plain settings as the compiled template has them (values literal or ARM expressions). */
    plain: Record<string, unknown>;
    /**
     * The environment the deployed app gets: every plain setting with its value where the template
     * alone fixes it (a literal, or a main.bicep default passed through), a stand-in where it is
     * known only at deploy time (endpoints, client ids), and each secret setting as the Key Vault
     * reference the template makes of it.
     */
    env: NodeJS.ProcessEnv;
}

function deployedSettings(t: { skip(message?: string): void }): DeployedSettings | undefined {
    const main = mainTemplate(t);
    if (!main) return undefined;
    const plain = moduleTemplate(main, 'api').variables?.appSettings as Record<string, unknown>;
    assert.ok(plain && typeof plain === 'object', 'api.bicep has no appSettings object');
    const standIn = (k: string) =>
        /ServiceUri$/.test(k) ? 'https://acct.blob.core.windows.net/' : 'deploy-time-value';
    const valueOf = (k: string, v: unknown): string => {
        if (typeof v === 'string' && !v.startsWith('[')) return v;
        const param = typeof v === 'string' ? /^\[parameters\('(\w+)'\)\]$/.exec(v)?.[1] : undefined;
        const resolved = param === undefined ? undefined : moduleArgument(main, 'api', param);
        return typeof resolved === 'string' ? resolved : standIn(k);
    };
    const env: NodeJS.ProcessEnv = Object.fromEntries([
        ...Object.entries(plain).map(([k, v]) => [k, valueOf(k, v)]),
        ...secretSettings.map((k) => [
            k,
            `@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/${k.replace(/_/g, '-')})`,
        ]),
    ]);
    return { main, plain, env };
}

const has = (env: NodeJS.ProcessEnv, name: string) => env[name] !== undefined;

/** A connection the host can open: a connection string, or the identity-based form. */
const connectionConfigured = (env: NodeJS.ProcessEnv, name: string) =>
    has(env, name) || identityConnection(name, env) !== undefined;

/**
 * Infra and code agree: every setting the code, the bindings, host.json and the example config
 * read is set by infra/app/api.bicep (plain or as a Key Vault reference), in the shape the code
 * accepts. The real config loader judges the config against that environment.
 */
describe('infra app settings match what the app reads', () => {
    let app: LoadedApp;

    before(() => {
        app = loadApp(ROOT);
    });

    it('the example Azure config loads against the deployed settings (the real loader)', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        const loaded = loadConfig(EXAMPLE_CONFIG, d.env);
        assert.equal(loaded.config.targets.length, 2);
        assert.deepEqual(loaded.config.targets.map((x) => x.update.kind).sort(), ['arm', 'classic']);
    });

    it('every API key the config names is a Key Vault reference, never a plain setting', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        const raw = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as unknown;
        const secretRefs = settingReferences(raw).filter((r) => /apiKeySetting$|secretSetting$/.test(r.path));
        assert.ok(secretRefs.length >= 4);
        for (const r of secretRefs) {
            assert.ok(secretSettings.includes(r.name), `${r.path}: ${r.name} is not a Key Vault reference`);
            assert.ok(!(r.name in d.plain), `${r.name} is also a plain setting`);
        }
        for (const s of secretSettings) assert.match(s, /^[A-Z][A-Z0-9_]*$/, 'maps to a valid Key Vault secret name');
        // The site's settings are the plain ones plus one Key Vault reference per secret name, and
        // the names are the ones main.parameters.json lists, passed through main.bicep.
        const api = moduleTemplate(d.main, 'api');
        assert.equal(api.variables?.secretSettings, KEY_VAULT_REFERENCE);
        const config = api.resources.find((r) => r.type === 'Microsoft.Web/sites/config');
        assert.equal(config?.name, "[format('{0}/{1}', parameters('name'), 'appsettings')]");
        assert.equal(config?.properties, "[union(variables('appSettings'), variables('secretSettings'))]");
        assert.equal(
            moduleNamed(d.main, 'api').properties?.parameters?.secretSettingNames?.value,
            "[parameters('secretSettingNames')]",
        );
        assert.equal(moduleArgument(d.main, 'api', 'keyVaultUri'), undefined, 'the vault URI comes from the vault');
        assert.match(
            String(moduleNamed(d.main, 'api').properties?.parameters?.keyVaultUri?.value),
            /'keyvault'\), '2025-04-01'\)\.outputs\.uri\.value\]$/,
        );
        // No plain setting carries a secret-looking literal.
        for (const [k, v] of Object.entries(d.plain)) {
            assert.doesNotMatch(String(v), /AccountKey=|SharedAccessSignature=|[?&]sig=/i, `${k} holds a secret`);
        }
    });

    it('the data storage connection is identity-based (shared keys are off)', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        const name = (
            JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as { storage: { connectionStringSetting: string } }
        ).storage.connectionStringSetting;
        assert.ok(!has(d.env, name), `${name} must not be a connection string: the account has no usable keys`);
        assert.deepEqual(identityConnection(name, d.env), {
            blobServiceUri: 'https://acct.blob.core.windows.net/',
            managedIdentity: true,
            clientId: 'deploy-time-value',
        });
    });

    it('every %setting% and connection in the registered bindings is set', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        let checked = 0;
        for (const f of app.registry.functions.values()) {
            for (const raw of f.metadata.rawBindings) {
                const b = JSON.parse(raw) as Record<string, unknown>;
                for (const v of Object.values(b)) {
                    for (const m of typeof v === 'string' ? v.matchAll(/%(\w+)%/g) : []) {
                        assert.ok(has(d.env, m[1]), `${f.id}: ${m[1]} is not set`);
                        checked++;
                    }
                }
                if (typeof b.connection === 'string') {
                    assert.ok(
                        connectionConfigured(d.env, b.connection),
                        `${f.id}: connection ${b.connection} is not set`,
                    );
                    checked++;
                }
            }
        }
        assert.ok(checked >= 3, `checked ${checked} references`);
    });

    it('host.json settings, the durable storage services, and the settings the code reads are set', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        const hostJson = readFileSync(path.join(ROOT, 'host.json'), 'utf8');
        for (const m of hostJson.matchAll(/%(\w+)%/g)) assert.ok(has(d.env, m[1]), `host.json: ${m[1]} is not set`);
        // Durable Functions on Azure Storage uses blobs, queues and tables of AzureWebJobsStorage.
        for (const s of ['blob', 'queue', 'table']) assert.ok(has(d.env, `AzureWebJobsStorage__${s}ServiceUri`), s);
        assert.equal(d.env.AzureWebJobsStorage__credential, 'managedidentity');
        for (const s of [CONFIG_PATH_SETTING, RUNS_CONTAINER_SETTING]) assert.ok(has(d.env, s), `${s} is not set`);
        assert.ok(has(d.env, 'APPLICATIONINSIGHTS_CONNECTION_STRING'));
    });

    it('no setting Flex Consumption rejects (the runtime is in functionAppConfig)', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        for (const s of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE']) {
            assert.ok(!has(d.env, s), `${s} must not be an app setting on Flex Consumption`);
        }
    });

    it('containers the example config uses are the ones infra creates', (t) => {
        const d = deployedSettings(t);
        if (!d) return;
        const config = loadConfig(EXAMPLE_CONFIG, d.env).config;
        assert.equal(d.env.RETRAINER_DATA_CONTAINER, d.main.parameters?.dataContainerName?.defaultValue);
        const models = d.main.parameters?.modelContainerNames?.defaultValue;
        assert.ok(Array.isArray(models));
        for (const target of config.targets) {
            assert.equal(target.data.container, d.env.RETRAINER_DATA_CONTAINER, `${target.name}: data container`);
            assert.ok(models.includes(target.modelOutput.container), `${target.name}: model container`);
        }
    });
});
