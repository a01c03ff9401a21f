import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { regressionCsv, toText } from '../../src/local/samples';
import { AppUnderTest, startApp } from '../functions/appHost';
import { testStorage } from '../helpers/azurite';
import { housesTarget } from '../helpers/demoTargets';

const CLI = path.resolve(__dirname, '../../src/cli/main.js');
const run = promisify(execFile);

/** The CLI against an app given by URL, key and storage connection, as for a deployed app. */
describe('retrainer upload against an app by URL', () => {
    let app: AppUnderTest;
    let flags: string[];
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-upload-'));
    before(async () => {
        app = await startApp((w) => [housesTarget(w)]);
        const storage = (await testStorage()).connectionString;
        // `--key=` because a key may start with '-', which would read as an option.
        flags = [`--url=${app.host.origin}/api`, `--key=${app.host.keys.functionDefault}`, `--storage=${storage}`];
    });
    after(() => app?.stop());

    const cli = (...args: string[]) =>
        run(process.execPath, [CLI, ...args, ...flags], { cwd: dir, env: { PATH: process.env.PATH } });

    it('uploads a large file under the target prefix, drawing progress, and the run trains it', async () => {
        const file = path.join(dir, 'houses-big.csv');
        writeFileSync(file, await toText(regressionCsv({ rows: 60_000, seed: 4 })));
        const size = statSync(file).size;
        assert.ok(size > 1024 * 1024);
        const { stdout, stderr } = await cli('upload', file, '--wait', '--timeout-seconds', '120').catch(
            (e: { stderr?: string; stdout?: string }) => {
                throw new Error(`upload failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
            },
        );
        assert.match(stderr, /\[#{30}\] 100%/);
        assert.match(
            stdout,
            new RegExp(`Uploaded .*houses-big\\.csv \\(${size} bytes\\) to .*/houses/houses-big\\.csv`),
        );
        assert.match(stdout, /Run \S+ of 'houses': Promoted/);
        const props = await app.data.getBlobClient('houses/houses-big.csv').getProperties();
        assert.equal(props.contentLength, size);
    });

    it('refuses a file the target cannot train on, uploading nothing', async () => {
        const file = path.join(dir, 'houses-wrong.csv');
        writeFileSync(file, 'a,b\n1,2\n');
        await assert.rejects(cli('upload', file), (e: { code: number; stderr: string }) => {
            assert.equal(e.code, 1);
            assert.match(e.stderr, /Not uploaded: 'houses\/houses-wrong\.csv' lacks column\(s\) .*'price'/);
            return true;
        });
        assert.equal(await app.data.getBlobClient('houses/houses-wrong.csv').exists(), false);
    });

    // `*` of 'houses/*.csv' took these, and storage resolved the `..`: the file landed in another folder.
    it('refuses a --name with a dot-dot, dot or empty segment, naming the rule, uploading nothing', async () => {
        const file = path.join(dir, 'houses-named.csv');
        writeFileSync(file, await toText(regressionCsv({ rows: 50, seed: 5 })));
        const names: [string, string, string][] = [
            ['houses/../churn/evil.csv', 'churn/evil.csv', "it has a '..' segment"],
            ['houses/./x.csv', 'houses/x.csv', "it has a '.' segment"],
            ['houses//x.csv', 'houses/x.csv', 'it has an empty segment (a leading or trailing /, or //)'],
        ];
        for (const [name, landing, why] of names) {
            await assert.rejects(
                cli('upload', file, '--target', 'houses', '--name', name),
                (e: { code: number; stderr: string }) => {
                    assert.equal(e.code, 1);
                    assert.equal(
                        e.stderr.trim(),
                        `Not uploaded: '${name}' cannot be a training-data name: ${why} ` +
                            '(a training-data name is a path of non-empty segments separated by /, none of them . or .., ' +
                            'with no backslash and no control character).',
                    );
                    return true;
                },
            );
            assert.equal(await app.data.getBlobClient(landing).exists(), false, `${name} landed as ${landing}`);
        }
    });

    it('says the key is wrong', async () => {
        const wrong = flags.map((f) => (f.startsWith('--key=') ? '--key=nope' : f));
        await assert.rejects(
            run(process.execPath, [CLI, 'status', ...wrong], { env: { PATH: process.env.PATH } }),
            /answered 401.*Check the function key/s,
        );
    });
});
