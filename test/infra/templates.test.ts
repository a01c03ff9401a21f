import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { BicepSyntaxError, codeOf, moduleArguments, readBicep, uses } from './bicep';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const INFRA = path.join(ROOT, 'infra');

function bicepFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory()
            ? bicepFiles(path.join(dir, e.name))
            : e.name.endsWith('.bicep')
              ? [path.join(dir, e.name)]
              : [],
    );
}

const files = bicepFiles(INFRA);
const main = readBicep(path.join(INFRA, 'main.bicep'));

/**
 * Structural checks of infra/ (no Bicep compiler runs offline; see test/infra/bicep.ts for what
 * that means): every file reads, modules and outputs line up across files, parameters are used
 * and supplied, and azure.yaml's hooks find what main.bicep outputs.
 */
describe('infra templates (structural)', () => {
    it('the scanner itself refuses broken Bicep', () => {
        assert.throws(() => codeOf("var a = { b: 'x' "), BicepSyntaxError);
        assert.throws(() => codeOf("var a = 'x"), BicepSyntaxError);
        assert.throws(() => codeOf("var a = '${b'"), BicepSyntaxError);
        assert.throws(() => codeOf('var a = [1, 2)'), BicepSyntaxError);
        assert.doesNotMatch(codeOf("var a = 'x' // {\n"), /[x{]/);
        assert.match(codeOf("var a = '${replace(b, '_', '-')}'"), /replace\(b, ' ', ' '\)/);
    });

    it('every .bicep file has balanced brackets, closed strings and known declarations', () => {
        assert.ok(files.length >= 8, `found ${files.length} files`);
        for (const f of files) readBicep(f);
    });

    it('every module path exists and every module argument is a parameter of that module', () => {
        for (const f of files) {
            const file = readBicep(f);
            for (const [symbol, rel] of file.modules) {
                const target = path.resolve(path.dirname(f), rel);
                assert.ok(existsSync(target), `${f}: module ${symbol} -> ${rel} does not exist`);
                const callee = readBicep(target);
                const args = moduleArguments(file, symbol);
                for (const a of args) assert.ok(callee.params.has(a), `${symbol}: '${a}' is not a param of ${rel}`);
                for (const [p, { hasDefault }] of callee.params) {
                    assert.ok(hasDefault || args.includes(p), `${symbol}: required param '${p}' of ${rel} not passed`);
                }
                for (const m of file.code.matchAll(new RegExp(`\\b${symbol}\\.outputs\\.(\\w+)`, 'g'))) {
                    assert.ok(callee.outputs.has(m[1]), `${symbol}.outputs.${m[1]}: no such output in ${rel}`);
                }
            }
        }
    });

    it('every param and var is used, and every referenced symbol is declared', () => {
        for (const f of files) {
            const file = readBicep(f);
            for (const name of [...file.params.keys(), ...file.vars]) {
                assert.ok(uses(file, name) > 1, `${path.relative(ROOT, f)}: '${name}' is declared but never used`);
            }
            for (const m of file.code.matchAll(/(?<![\w.])(\w+)\.(outputs|properties|id|name)\b/g)) {
                const s = m[1];
                const declared = file.resources.has(s) || file.modules.has(s) || file.params.has(s) || file.vars.has(s);
                assert.ok(declared, `${path.relative(ROOT, f)}: '${s}.${m[2]}' refers to nothing declared`);
            }
        }
    });

    it('every resource names an API version', () => {
        for (const f of files) {
            for (const [symbol, type] of readBicep(f).resources) {
                const nested = !type.includes('/');
                assert.ok(nested || /^[\w.]+\/[\w/]+@\d{4}-\d{2}-\d{2}(-preview)?$/.test(type), `${symbol}: '${type}'`);
            }
        }
    });

    it('main.parameters.json supplies exactly main.bicep parameters, and every required one', () => {
        const json = JSON.parse(readFileSync(path.join(INFRA, 'main.parameters.json'), 'utf8')) as {
            parameters: Record<string, unknown>;
        };
        for (const k of Object.keys(json.parameters)) assert.ok(main.params.has(k), `'${k}' is not a main.bicep param`);
        for (const [p, { hasDefault }] of main.params) {
            assert.ok(hasDefault || p in json.parameters, `required param '${p}' missing from main.parameters.json`);
        }
    });

    it('main.bicep outputs are UPPER_SNAKE (azd env values) and cover what the hooks read', () => {
        for (const o of main.outputs) assert.match(o, /^[A-Z][A-Z0-9_]*$/);
        const yaml = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
        const runs = [...yaml.matchAll(/^\s*run:\s*(\S+)/gm)].map((m) => m[1]);
        assert.equal(runs.length, 2, 'a posix and a windows postdeploy hook');
        for (const run of runs) {
            const script = path.join(ROOT, run);
            assert.ok(existsSync(script), `${run} does not exist`);
            const text = readFileSync(script, 'utf8');
            const pattern = run.endsWith('.ps1') ? /\$env:([A-Z][A-Z0-9_]+)/g : /\$\{?([A-Z][A-Z0-9_]+)/g;
            const vars = new Set([...text.matchAll(pattern)].map((m) => m[1]));
            assert.ok(vars.size >= 4, `${run} reads ${[...vars].join(', ')}`);
            for (const v of vars) assert.ok(main.outputs.has(v), `${run} reads ${v}, which main.bicep does not output`);
        }
    });

    it('azure.yaml deploys the repo root as the api service, the app tagged for it', () => {
        const yaml = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
        assert.match(yaml, /^services:\n\s+api:\n\s+project: \.\n\s+language: ts\n\s+host: function$/m);
        assert.ok(existsSync(path.join(ROOT, 'host.json')) && existsSync(path.join(ROOT, 'package.json')));
        const api = readFileSync(path.join(INFRA, 'app', 'api.bicep'), 'utf8');
        assert.match(api, /'azd-service-name': 'api'/);
    });

    it('storage has shared keys off, and Flex Consumption runs Node', () => {
        const storage = readFileSync(path.join(INFRA, 'app', 'storage.bicep'), 'utf8');
        assert.match(storage, /allowSharedKeyAccess: false/);
        const api = readFileSync(path.join(INFRA, 'app', 'api.bicep'), 'utf8');
        assert.match(api, /tier: 'FlexConsumption'/);
        assert.match(api, /name: 'node'\n\s+version: nodeVersion/);
    });
});
