import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { mainTemplate, ROOT } from './armTemplate';

const DOC = readFileSync(path.join(ROOT, 'docs', 'deploy.md'), 'utf8');

/** The rows of docs/deploy.md's parameter table: name -> default cell. */
function documentedParameters(): Map<string, string> {
    const section = DOC.slice(DOC.indexOf('## Parameters'), DOC.indexOf('## Deploy step by step'));
    const rows = [...section.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)];
    return new Map(rows.map((m) => [m[1], m[2].trim()]));
}

/** docs/deploy.md documents every azd parameter with the default the compiled template has. */
describe('docs/deploy.md against infra/main.bicep', () => {
    it('documents every parameter with its default, and no parameter that does not exist', (t) => {
        const main = mainTemplate(t);
        if (!main) return;
        const documented = documentedParameters();
        const params = main.parameters ?? {};
        assert.deepEqual([...documented.keys()].sort(), Object.keys(params).sort());
        for (const [name, def] of Object.entries(params)) {
            const cell = documented.get(name)!;
            if ('defaultValue' in def)
                assert.ok(cell.startsWith(`\`${JSON.stringify(def.defaultValue)}\``), `${name}: ${cell}`);
            else assert.match(cell, /^required\b/, `${name} has no default`);
        }
    });

    it('documents the hook knobs and names the pinned Bicep CLI', () => {
        const hook = readFileSync(path.join(ROOT, 'infra', 'hooks', 'postdeploy.sh'), 'utf8');
        for (const m of hook.matchAll(/\$\{(POSTDEPLOY_\w+):-(\d+)\}/g)) {
            assert.ok(DOC.includes(`\`${m[1]}\` (default \`${m[2]}\`)`), `${m[1]} and its default ${m[2]}`);
        }
        assert.match(DOC, /Bicep CLI\s+`0\.49\.2`/);
    });
});
