import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import {
    allResources,
    compiledInfra,
    INFRA,
    mainTemplate,
    moduleArgument,
    moduleNamed,
    moduleTemplate,
    parameterOf,
    resourcesOfType,
    ROOT,
    rolesOf,
} from './armTemplate';
import { BICEP_VERSION, bicepFiles, bicepOrSkip, compileBicep, describeDiagnostics } from './bicepCli';

const ROLE = {
    storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
    storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
    keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
    monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
};

/**
 * The API version of every resource type the templates deploy. A change here is deliberate: the
 * properties the app depends on are checked against these versions' schemas by the compiler.
 */
const API_VERSIONS: Record<string, string> = {
    'Microsoft.Resources/resourceGroups': '2024-03-01',
    'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
    'Microsoft.Storage/storageAccounts': '2023-05-01',
    'Microsoft.Storage/storageAccounts/blobServices': '2023-05-01',
    'Microsoft.Storage/storageAccounts/blobServices/containers': '2023-05-01',
    'Microsoft.OperationalInsights/workspaces': '2023-09-01',
    'Microsoft.Insights/components': '2020-02-02',
    'Microsoft.KeyVault/vaults': '2023-07-01',
    'Microsoft.Authorization/roleAssignments': '2022-04-01',
    'Microsoft.Web/serverfarms': '2024-04-01',
    'Microsoft.Web/sites': '2024-04-01',
    'Microsoft.Web/sites/config': '2024-04-01',
    'Microsoft.EventGrid/systemTopics': '2025-02-15',
};

/**
 * azd environment values a POSIX hook script reads (`$NAME` / `${NAME...}`, upper-case names),
 * less its own tuning knobs (POSTDEPLOY_*, documented in docs/deploy.md, with defaults).
 */
function hookVariables(script: string): Set<string> {
    const text = readFileSync(script, 'utf8').replace(/^\s*#.*$/gm, '');
    return new Set(
        [...text.matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]).filter((v) => !v.startsWith('POSTDEPLOY_')),
    );
}

/**
 * infra/ compiled and linted by the real Bicep compiler (pinned in test/infra/bicepCli.ts,
 * restored from NuGet), and the emitted ARM JSON checked for what the app needs in Azure.
 */
describe(`infra/ compiled by Bicep CLI ${BICEP_VERSION}`, () => {
    it('every .bicep file builds and lints with no error, warning or finding', (t) => {
        const result = compiledInfra(t);
        if (!result) return;
        assert.deepEqual(result.diagnostics, [], describeDiagnostics(result.diagnostics));
        const files = bicepFiles(INFRA).map((f) => path.relative(INFRA, f).split(path.sep).join('/'));
        assert.ok(files.length >= 9, `found ${files.length} files`);
        assert.deepEqual([...result.templates.keys()].sort(), files);
        // The linter runs with infra/bicepconfig.json, which makes every rule an error.
        const config = JSON.parse(readFileSync(path.join(INFRA, 'bicepconfig.json'), 'utf8')) as {
            analyzers: { core: { enabled: boolean; rules: Record<string, { level: string }> } };
        };
        assert.equal(config.analyzers.core.enabled, true);
        for (const [rule, { level }] of Object.entries(config.analyzers.core.rules)) assert.equal(level, 'error', rule);
    });

    it('mutation: a misspelled property in a copy of infra/ fails the check, naming file and property', (t) => {
        const bicep = bicepOrSkip(t);
        if (!bicep) return;
        const copy = mkdtempSync(path.join(tmpdir(), 'retrainer-infra-mutant-'));
        try {
            cpSync(INFRA, copy, { recursive: true });
            const storage = path.join(copy, 'app', 'storage.bicep');
            const text = readFileSync(storage, 'utf8');
            assert.match(text, /allowSharedKeyAccess: false/);
            writeFileSync(storage, text.replace('allowSharedKeyAccess: false', 'allowSharedKeyAcess: false'));
            const result = compileBicep(bicep, copy);
            const found = result.diagnostics.filter((d) => d.file.endsWith(path.join('app', 'storage.bicep')));
            assert.ok(
                found.length > 0,
                `no diagnostic for the misspelling: ${describeDiagnostics(result.diagnostics)}`,
            );
            assert.match(found[0].message, /allowSharedKeyAcess/);
        } finally {
            rmSync(copy, { recursive: true, force: true });
        }
    });

    it('every resource uses the pinned API version', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const types = new Set<string>();
        for (const r of [
            ...main.resources.filter((x) => x.type !== 'Microsoft.Resources/deployments'),
            ...allResources(main),
        ]) {
            types.add(r.type);
            assert.equal(r.apiVersion, API_VERSIONS[r.type], `${r.type} ${r.name}`);
        }
        assert.deepEqual([...types].sort(), Object.keys(API_VERSIONS).sort(), 'every pinned type is deployed');
        // functionAppConfig (Flex Consumption) exists from Microsoft.Web 2023-12-01; a system topic's
        // managed identity, which delivers dead letters, from Microsoft.EventGrid 2021-12-01.
        assert.ok(API_VERSIONS['Microsoft.Web/sites'] >= '2023-12-01');
        assert.ok(API_VERSIONS['Microsoft.EventGrid/systemTopics'] >= '2021-12-01');
    });

    it('main.parameters.json supplies only main.bicep parameters, and every required one', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const json = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
            parameters: Record<string, unknown>;
        };
        const params = main.parameters ?? {};
        for (const k of Object.keys(json.parameters)) assert.ok(k in params, `'${k}' is not a main.bicep param`);
        for (const [p, def] of Object.entries(params)) {
            assert.ok(
                'defaultValue' in def || p in json.parameters,
                `required param '${p}' missing from main.parameters.json`,
            );
        }
    });

    it('outputs are UPPER_SNAKE azd values and cover every variable the hooks read', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const outputs = Object.keys(main.outputs ?? {});
        for (const o of outputs) assert.match(o, /^[A-Z][A-Z0-9_]*$/);
        const yaml = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
        const runs = [...yaml.matchAll(/^\s*run:\s*(\S+)/gm)].map((m) => m[1]);
        assert.ok(runs.length >= 1, 'azure.yaml runs a hook');
        for (const run of runs) {
            const script = path.join(ROOT, run);
            assert.ok(existsSync(script), `${run} does not exist`);
            const vars = hookVariables(script);
            assert.ok(vars.size >= 4, `${run} reads ${[...vars].join(', ')}`);
            for (const v of vars) assert.ok(outputs.includes(v), `${run} reads ${v}, which main.bicep does not output`);
        }
    });

    it('the app identity holds the blob, queue and table data roles on the account, and Key Vault Secrets User', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const rbac = moduleTemplate(main, 'rbac');
        const identity = "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))";
        const appAssignments = resourcesOfType(rbac, 'Microsoft.Authorization/roleAssignments').filter(
            (a) => a.properties?.principalId === `[reference(${identity}, '2023-01-31').principalId]`,
        );
        const grants = appAssignments.flatMap((a) =>
            rolesOf(a, rbac.variables).map((role) => ({ role, scope: a.scope })),
        );
        const storageScope = "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]";
        const vaultScope = "[resourceId('Microsoft.KeyVault/vaults', parameters('keyVaultName'))]";
        for (const role of [
            ROLE.storageBlobDataOwner,
            ROLE.storageQueueDataContributor,
            ROLE.storageTableDataContributor,
        ]) {
            assert.ok(
                grants.some((g) => g.role === role && g.scope === storageScope),
                `storage role ${role}`,
            );
        }
        assert.ok(
            grants.some((g) => g.role === ROLE.keyVaultSecretsUser && g.scope === vaultScope),
            'Key Vault Secrets User',
        );
        assert.ok(
            grants.some((g) => g.role === ROLE.monitoringMetricsPublisher),
            'telemetry with local auth off',
        );
        for (const a of appAssignments) {
            assert.equal(a.properties?.principalType, 'ServicePrincipal');
            assert.equal(a.condition, undefined, 'the app roles are unconditional');
        }
        // The rbac module is handed the very identity the function app runs as.
        assert.equal(
            moduleNamed(main, 'rbac').properties?.parameters?.identityName?.value,
            "[variables('identityName')]",
        );
        assert.equal(moduleNamed(main, 'identity').properties?.parameters?.name?.value, "[variables('identityName')]");
    });

    it('the identity gets the ML web service role on each named ARM web service, when any are named', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const module = moduleNamed(main, 'ml-webservice-role');
        assert.match(String(module.condition), /not\(empty\(parameters\('mlWebServiceNames'\)\)\)/);
        assert.equal(
            module.resourceGroup,
            "[if(not(empty(parameters('mlWebServicesResourceGroup'))), parameters('mlWebServicesResourceGroup'), format('{0}{1}', variables('abbrs').resourcesResourceGroups, parameters('environmentName')))]",
        );
        assert.equal(
            moduleArgument(main, 'ml-webservice-role', 'roleDefinitionId'),
            'b24988ac-6180-42a0-ab88-20f7382dd24c',
        );
        const [assignment, ...rest] = resourcesOfType(
            moduleTemplate(main, 'ml-webservice-role'),
            'Microsoft.Authorization/roleAssignments',
        );
        assert.equal(rest.length, 0);
        assert.ok(assignment.copy, 'one assignment per web service');
        assert.match(
            String(assignment.scope),
            /^\[resourceId\('Microsoft\.MachineLearning\/webServices', parameters\('webServiceNames'\)/,
        );
        assert.match(
            String(assignment.properties?.principalId),
            /'Microsoft\.ManagedIdentity\/userAssignedIdentities', parameters\('identityName'\)\), '2023-01-31'\)\.principalId\]$/,
        );
        assert.equal(parameterOf(assignment.properties?.roleDefinitionId), undefined);
        assert.match(String(assignment.properties?.roleDefinitionId), /parameters\('roleDefinitionId'\)/);
    });

    it('storage refuses shared keys and holds every container, the dead-letter one included', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const account = resourcesOfType(moduleTemplate(main, 'storage'), 'Microsoft.Storage/storageAccounts')[0];
        assert.equal(account.properties?.allowSharedKeyAccess, false);
        assert.equal(account.properties?.allowBlobPublicAccess, false);
        const containers = String(moduleNamed(main, 'storage').properties?.parameters?.containerNames?.value);
        for (const p of ['dataContainerName', 'runsContainerName', 'deadLetterContainerName', 'modelContainerNames']) {
            assert.ok(containers.includes(`parameters('${p}')`), `${p} is not a container`);
        }
        assert.equal(main.parameters?.deadLetterContainerName?.defaultValue, 'eventgrid-deadletter');
    });

    it('the Event Grid system topic has its own identity, and that identity may write only the dead-letter container', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const eventGrid = moduleTemplate(main, 'eventgrid');
        const [topic] = resourcesOfType(eventGrid, 'Microsoft.EventGrid/systemTopics');
        assert.deepEqual(topic.identity, { type: 'SystemAssigned' });
        assert.equal(topic.properties?.topicType, 'Microsoft.Storage.StorageAccounts');
        assert.equal(
            topic.properties?.source,
            "[resourceId('Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
        );
        const assignments = resourcesOfType(eventGrid, 'Microsoft.Authorization/roleAssignments');
        assert.equal(assignments.length, 1);
        const [writer] = assignments;
        assert.equal(
            writer.scope,
            "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('storageAccountName'), 'default', parameters('deadLetterContainerName'))]",
        );
        assert.deepEqual(rolesOf(writer, eventGrid.variables), [ROLE.storageBlobDataContributor]);
        assert.equal(
            writer.properties?.principalId,
            "[reference(resourceId('Microsoft.EventGrid/systemTopics', parameters('name')), '2025-02-15', 'full').identity.principalId]",
        );
        assert.equal(
            moduleNamed(main, 'eventgrid').properties?.parameters?.deadLetterContainerName?.value,
            "[parameters('deadLetterContainerName')]",
        );
        assert.equal(
            moduleNamed(main, 'eventgrid').properties?.parameters?.storageAccountName?.value,
            "[variables('storageAccountName')]",
        );
        assert.equal(
            moduleNamed(main, 'storage').properties?.parameters?.name?.value,
            "[variables('storageAccountName')]",
        );
    });

    it('the function app runs Node on Flex Consumption with the user-assigned identity, and resolves Key Vault references with it', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const api = moduleTemplate(main, 'api');
        const [plan] = resourcesOfType(api, 'Microsoft.Web/serverfarms');
        assert.deepEqual(plan.sku, { name: 'FC1', tier: 'FlexConsumption' });
        const [site] = resourcesOfType(api, 'Microsoft.Web/sites');
        assert.equal(site.kind, 'functionapp,linux');
        assert.equal(site.identity?.type, 'UserAssigned');
        assert.equal(site.properties?.keyVaultReferenceIdentity, "[parameters('identityId')]");
        const config = site.properties?.functionAppConfig as { runtime: { name: string; version: string } };
        assert.deepEqual(config.runtime, { name: 'node', version: "[parameters('nodeVersion')]" });
        assert.match(String(site.tags), /createObject\('azd-service-name', 'api'\)/);
    });
});
