import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { ESLint, Linter } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * The import zones of eslint.config.mjs, checked through ESLint's own API with the project's
 * config: code linted as if it were a file of a product folder (an existing file, so the typed
 * rules find it in the TypeScript project) must not import src/local or src/cli.
 */
describe('import zones (eslint.config.mjs)', () => {
    let eslint: ESLint;
    const lintAs = async (file: string, code: string): Promise<Linter.LintMessage[]> => {
        const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
        return result.messages.filter((m) => m.ruleId === 'no-restricted-imports');
    };

    before(() => {
        eslint = new ESLint({ cwd: ROOT });
    });

    it('an activity importing src/local fails with the zone rule, naming the line', async () => {
        const messages = await lintAs(
            'src/activities/deps.ts',
            "import { startAzurite } from '../local/common/azurite';\n\nexport const probe = startAzurite;\n",
        );
        assert.equal(messages.length, 1, JSON.stringify(messages));
        assert.equal(messages[0].severity, 2);
        assert.equal(messages[0].line, 1);
        assert.match(messages[0].message, /'\.\.\/local\/common\/azurite' import is restricted/);
        assert.match(messages[0].message, /may not import src\/local or src\/cli/);
    });

    it('a client importing src/cli and the app entry importing src/local fail too', async () => {
        const fromClient = await lintAs(
            'src/clients/errors.ts',
            "import { table } from '../cli/format';\n\nexport const probe = table;\n",
        );
        assert.equal(fromClient.length, 1, JSON.stringify(fromClient));
        assert.match(fromClient[0].message, /may not import src\/local or src\/cli/);
        const fromIndex = await lintAs('src/index.ts', "import './local/common/azurite';\n");
        assert.equal(fromIndex.length, 1, JSON.stringify(fromIndex));
        assert.match(fromIndex[0].message, /may not import src\/local or src\/cli/);
    });

    it('an orchestrator keeps its own bans and the zone', async () => {
        const messages = await lintAs(
            'src/orchestrators/messageOf.ts',
            "import { table } from '../cli/format';\n\nexport const probe = table;\n",
        );
        assert.equal(messages.length, 1, JSON.stringify(messages));
        assert.match(messages[0].message, /may not import src\/local or src\/cli/);
        const io = await lintAs('src/orchestrators/messageOf.ts', "import 'node:fs';\n");
        assert.equal(io.length, 1, JSON.stringify(io));
        assert.match(io[0].message, /Orchestrators do no I\/O/);
    });

    it('product-to-product imports and local code importing local code pass', async () => {
        assert.deepEqual(
            await lintAs(
                'src/activities/deps.ts',
                "import { CONFIG_PATH_SETTING } from '../retraining/config';\n\nexport const probe = CONFIG_PATH_SETTING;\n",
            ),
            [],
        );
        assert.deepEqual(
            await lintAs(
                'src/local/stack/main.ts',
                "import { startAzurite } from '../common/azurite';\n\nexport const probe = startAzurite;\n",
            ),
            [],
        );
    });
});
