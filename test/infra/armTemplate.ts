import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import {
    ArmResource,
    ArmTemplate,
    BICEP_VERSION,
    BicepResult,
    bicepOrSkip,
    compileBicep,
    describeDiagnostics,
} from './bicepCli';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const INFRA = path.join(ROOT, 'infra');

const DEPLOYMENT = 'Microsoft.Resources/deployments';

let compiled: BicepResult | undefined;

/**
 * Every file of infra/ compiled and linted by the pinned Bicep CLI (once per test process), or
 * undefined after `t.skip` when no compiler can be had here (a failure under CI, see bicepOrSkip).
 */
export function compiledInfra(t: { skip(message?: string): void }): BicepResult | undefined {
    if (compiled) return compiled;
    const bicep = bicepOrSkip(t);
    if (!bicep) return undefined;
    // Test files run in separate processes, and one compile of infra/ costs tens of seconds on a
    // loaded machine; so the result is kept by the hash of the compiler version and every input.
    const hash = createHash('sha256').update(BICEP_VERSION);
    for (const f of filesUnder(INFRA)) hash.update(`${path.relative(INFRA, f)}\0`).update(readFileSync(f));
    const cacheFile = path.join(CACHE_DIR, `infra-${hash.digest('hex').slice(0, 16)}.json`);
    if (existsSync(cacheFile)) {
        const stored = JSON.parse(readFileSync(cacheFile, 'utf8')) as {
            templates: [string, ArmTemplate][];
            diagnostics: BicepResult['diagnostics'];
        };
        compiled = { templates: new Map(stored.templates), diagnostics: stored.diagnostics };
        return compiled;
    }
    compiled = compileBicep(bicep, INFRA);
    mkdirSync(CACHE_DIR, { recursive: true });
    const temp = `${cacheFile}.${process.pid}`;
    writeFileSync(temp, JSON.stringify({ templates: [...compiled.templates], diagnostics: compiled.diagnostics }));
    renameSync(temp, cacheFile);
    return compiled;
}

const CACHE_DIR = path.join(ROOT, '.cache', 'bicep', 'compiled');

function filesUnder(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]))
        .sort();
}

/**
 * infra/main.bicep as ARM JSON, or undefined after a skip (see compiledInfra). Fails the test if
 * the build or lint of any file reported anything: warnings are errors.
 */
export function mainTemplate(t: { skip(message?: string): void }): ArmTemplate | undefined {
    const result = compiledInfra(t);
    if (!result) return undefined;
    assert.deepEqual(result.diagnostics, [], describeDiagnostics(result.diagnostics));
    const main = result.templates.get('main.bicep');
    assert.ok(main, 'main.bicep did not build');
    return main;
}

/** The nested deployment (Bicep module) named `name` in `template`. */
export function moduleNamed(template: ArmTemplate, name: string): ArmResource {
    const found = template.resources.find((r) => r.type === DEPLOYMENT && r.name === name);
    assert.ok(found, `no module deployment named '${name}'`);
    assert.ok(found.properties?.template, `module '${name}' has no inline template`);
    return found;
}

/** The template a module deploys. */
export function moduleTemplate(template: ArmTemplate, name: string): ArmTemplate {
    return moduleNamed(template, name).properties!.template!;
}

/** Every resource of the template and its modules (deployments themselves excluded), depth first. */
export function allResources(template: ArmTemplate): ArmResource[] {
    return template.resources.flatMap((r) =>
        r.type === DEPLOYMENT && r.properties?.template ? allResources(r.properties.template) : [r],
    );
}

/** The resources of `type` in `template` (not its modules). */
export function resourcesOfType(template: ArmTemplate, type: string): ArmResource[] {
    return template.resources.filter((r) => r.type === type);
}

/** The parameter name of an expression that is exactly `[parameters('name')]`, else undefined. */
export function parameterOf(expression: unknown): string | undefined {
    return typeof expression === 'string' ? /^\[parameters\('(\w+)'\)\]$/.exec(expression)?.[1] : undefined;
}

/**
 * What a module parameter is, as far as the template alone tells: the literal passed, or the
 * default of the main.bicep parameter passed straight through; undefined for anything computed at
 * deploy time (names, endpoints, ids).
 */
export function moduleArgument(main: ArmTemplate, module: string, param: string): unknown {
    const passed = moduleNamed(main, module).properties!.parameters?.[param]?.value;
    if (typeof passed !== 'string' || !passed.startsWith('[')) return passed;
    const mainParam = parameterOf(passed);
    return mainParam === undefined ? undefined : main.parameters?.[mainParam]?.defaultValue;
}

/**
 * The role definition GUIDs a role assignment grants: one, or one per copy of a loop over a
 * variable array. Reads `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', X)` with
 * X a GUID literal, `variables('v')`, `variables('v').key` or `variables('list')[copyIndex()]`.
 */
export function rolesOf(assignment: ArmResource, variables: Record<string, unknown> = {}): string[] {
    const expr = String(assignment.properties?.roleDefinitionId);
    const m = /^\[subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', (.+)\)\]$/.exec(expr);
    assert.ok(m, `unexpected roleDefinitionId ${expr}`);
    const resolve = (arg: string): string[] => {
        const literal = /^'([0-9a-f-]{36})'$/.exec(arg);
        if (literal) return [literal[1]];
        const list = /^variables\('(\w+)'\)\[copyIndex\(\)\]$/.exec(arg);
        if (list) {
            const items = variables[list[1]];
            assert.ok(Array.isArray(items), `variable ${list[1]} is not an array`);
            return items.flatMap((item) => {
                const s = String(item);
                return s.startsWith('[') ? resolve(s.slice(1, -1)) : [s];
            });
        }
        const variable = /^variables\('(\w+)'\)(?:\.(\w+))?$/.exec(arg);
        assert.ok(variable, `cannot read the role of ${expr}`);
        const v = variables[variable[1]];
        const value = variable[2] ? (v as Record<string, unknown> | undefined)?.[variable[2]] : v;
        assert.equal(typeof value, 'string', `cannot read the role of ${expr}`);
        return [value as string];
    };
    return resolve(m[1]);
}
