import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { BlobServiceClient } from '@azure/storage-blob';

import { readSettingsFile, runDoctor } from '../../../src/cli/commands/doctor';
import { AppUnderTest, startApp } from '../../functions/appHost';
import { testStorage, uniqueName } from '../../helpers/azurite';
import { azureMlSettings, azureMlTarget, seedWithWorkspace, usersWorkspace } from '../../helpers/azuremlTargets';
import { churnTarget, demoSettings, housesTarget } from '../../helpers/demoTargets';

const CLI = path.resolve(__dirname, '../../../src/cli/main.js');
const run = promisify(execFile);

/** The app settings the local app runs with (what local.settings.json would hold). */
const SETTING_NAMES = [
    'AzureWebJobsStorage',
    'TASKHUB_NAME',
    'RETRAINER_CONFIG_PATH',
    'RETRAINER_DATA_STORAGE',
    'RETRAINER_DATA_CONTAINER',
    'RETRAINER_RUNS_CONTAINER',
    'RETRAINER_TIMER_SCHEDULE',
    ...Object.keys(demoSettings),
    ...Object.keys(azureMlSettings),
];

/**
 * `retrainer doctor` against the running local app (Azurite, the studio emulator, the dev host),
 * then with each setting broken in turn: the failing check names the setting.
 */
describe('retrainer doctor', () => {
    let app: AppUnderTest;
    let settings: Record<string, string>;
    let url: string;
    let key: string;
    const deadLetter = uniqueName('eventgrid-deadletter');
    const datastoreContainer = uniqueName('azureml');
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-doctor-'));

    before(async () => {
        // An Azure ML v2 target beside them, on the same emulator token secret as houses.
        app = await startApp(
            (w) => [
                churnTarget(w),
                housesTarget(w),
                azureMlTarget({ ...w, datastoreContainer }, 'churnml', 'churn-ml'),
            ],
            azureMlSettings,
            { seed: seedWithWorkspace(datastoreContainer) },
        );
        settings = Object.fromEntries(SETTING_NAMES.map((n) => [n, process.env[n]!]));
        for (const n of SETTING_NAMES) assert.ok(settings[n], `${n} is not set by the test app`);
        const blobs = BlobServiceClient.fromConnectionString((await testStorage()).connectionString);
        // What infra creates next to the app: the runs and dead-letter containers.
        await blobs.getContainerClient(settings.RETRAINER_RUNS_CONTAINER).createIfNotExists();
        await blobs.getContainerClient(deadLetter).createIfNotExists();
        await usersWorkspace(app.studio.url, settings.RETRAINER_DATA_STORAGE, datastoreContainer, ['churn-ml']);
        url = `${app.host.origin}/api`;
        key = app.host.keys.functionDefault;
    });
    after(() => app?.stop());

    let n = 0;
    /** Runs the CLI with `values` as local.settings.json; resolves with its exit code and output. */
    async function doctor(values: Record<string, string>, extra: string[] = []) {
        const file = path.join(dir, `local.settings.${++n}.json`);
        writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: values }));
        const args = [
            CLI,
            'doctor',
            '--settings',
            file,
            `--url=${url}`,
            `--key=${key}`,
            '--dead-letter-container',
            deadLetter,
            ...extra,
        ];
        try {
            const { stdout, stderr } = await run(process.execPath, args, { env: { PATH: process.env.PATH } });
            return { code: 0, out: stdout + stderr };
        } catch (err: unknown) {
            const e = err as { code: number; stdout: string; stderr: string };
            return { code: e.code, out: e.stdout + e.stderr };
        }
    }
    /** The doctor in this process (the CLI runs it the same way), its output as the CLI prints it. */
    async function doctorHere(values: Record<string, string>) {
        const checks = await runDoctor({
            settings: values,
            baseDir: dir,
            app: { url, key },
            deadLetterContainer: deadLetter,
        });
        const out = checks
            .map(
                (c) =>
                    `${c.status === 'ok' ? 'ok  ' : c.status === 'skip' ? 'skip' : 'FAIL'} ${c.check}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`,
            )
            .join('\n');
        return { code: checks.some((c) => c.status === 'fail') ? 1 : 0, out };
    }
    const failLines = (out: string) =>
        out
            .split('\n')
            .filter((l, i, all) => l.startsWith('FAIL') || (all[i - 1]?.startsWith('FAIL') && l.includes('fix:')));

    it('passes against the running local app, every check ok but the Event Grid one (no ARM here)', async () => {
        const { code, out } = await doctor(settings);
        assert.equal(code, 0, out);
        for (const check of [
            'settings',
            'config',
            'watched container',
            'runs container',
            'dead-letter container',
            'churn: BES',
            'churn: classic endpoint',
            'houses: BES',
            'houses: ARM web service',
            'churnml: Azure ML online endpoint',
            'app',
        ]) {
            assert.match(out, new RegExp(`^ok   ${check}:`, 'm'), `${check}:\n${out}`);
        }
        assert.match(out, /^skip event grid subscription: no --event-grid-subscription given/m);
        assert.doesNotMatch(out, /^FAIL/m);
    });

    it('names each setting when it is missing', async () => {
        for (const name of SETTING_NAMES) {
            const broken = { ...settings };
            delete broken[name];
            const { code, out } = await doctorHere(broken);
            assert.equal(code, 1, `${name} removed, yet the doctor passed:\n${out}`);
            assert.ok(
                failLines(out).some((l) => l.includes(name)),
                `${name} removed; the failures do not name it:\n${out}`,
            );
        }
    });

    it('names each setting whose value is wrong, and says what to fix', async () => {
        const wrong: [string, string, RegExp][] = [
            ['CHURN_TRAINING_KEY', 'not-the-key', /^FAIL churn: BES:/m],
            ['HOUSES_TRAINING_KEY', 'not-the-key', /^FAIL houses: BES:/m],
            ['CHURN_ENDPOINT_KEY', 'not-the-key', /^FAIL churn: classic endpoint:/m],
            ['STUDIO_ARM_SECRET', 'not-the-secret', /^FAIL houses: ARM web service:/m],
            [
                'RETRAINER_DATA_CONTAINER',
                'no-such-container',
                // The config check refuses it first: no target's data would ever be seen there.
                /^FAIL config: .*is not the container the blob trigger watches \(RETRAINER_DATA_CONTAINER='no-such-container'\)/m,
            ],
            ['RETRAINER_RUNS_CONTAINER', 'no-such-runs', /^FAIL runs container: 'no-such-runs' does not exist/m],
            ['RETRAINER_CONFIG_PATH', path.join(dir, 'missing.json'), /^FAIL config:.*cannot read the file/m],
            [
                'RETRAINER_DATA_STORAGE',
                settings.RETRAINER_DATA_STORAGE.replace(
                    /AccountKey=[^;]+/,
                    `AccountKey=${Buffer.from('wrong key').toString('base64')}`,
                ),
                /^FAIL watched container: storage unreachable or refused/m,
            ],
        ];
        for (const [name, value, expected] of wrong) {
            const { code, out } = await doctorHere({ ...settings, [name]: value });
            assert.equal(code, 1, `${name} wrong, yet the doctor passed:\n${out}`);
            assert.match(out, expected, `${name}:\n${out}`);
            assert.ok(
                failLines(out).some((l) => l.includes(name)),
                `${name} is wrong; the failures do not name it:\n${out}`,
            );
            if (/KEY|SECRET|STORAGE/.test(name)) assert.ok(!out.includes(value), `${name}: its value is echoed`);
        }
    });

    it('names the emulator token secret, not an Azure role, when a v2 target is refused with it', async () => {
        const { out } = await doctorHere({ ...settings, STUDIO_ARM_SECRET: 'not-the-secret' });
        assert.match(
            out,
            /^FAIL churnml: Azure ML online endpoint: .*\n\s+fix: the token was refused: check STUDIO_ARM_SECRET$/m,
        );
        assert.doesNotMatch(out, /Data Scientist/);
    });

    it('with an invalid config, still checks the containers and says why the targets are not checked', async () => {
        const raw = JSON.parse(readFileSync(settings.RETRAINER_CONFIG_PATH, 'utf8')) as {
            targets: { data: Record<string, unknown> }[];
        };
        raw.targets[0].data.prefixPatern = raw.targets[0].data.prefixPattern;
        delete raw.targets[0].data.prefixPattern;
        const file = path.join(dir, 'broken.config.json');
        writeFileSync(file, JSON.stringify(raw, null, 4));
        const { code, out } = await doctorHere({ ...settings, RETRAINER_CONFIG_PATH: file });
        assert.equal(code, 1, out);
        assert.match(out, new RegExp(`^FAIL config: ${file.replace(/[.]/g, '\\.')}: targets\\[0\\]`, 'm'));
        assert.match(out, /targets\[0\]\.data\.prefixPatern: unknown key/);
        assert.doesNotMatch(out, /:;/);
        for (const check of ['watched container', 'runs container', 'dead-letter container'])
            assert.match(out, new RegExp(`^ok   ${check}: '`, 'm'), out);
        assert.match(out, /^skip targets: config invalid: see above$/m);
        assert.deepEqual(failLines(out).filter((l) => l.startsWith('FAIL')).length, 1, out);
    });

    it('says the function key is wrong, and the dead-letter container missing', async () => {
        const wrongKey = await doctor(settings, [`--key=wrong-${key}`]);
        assert.equal(wrongKey.code, 1);
        assert.match(wrongKey.out, /^FAIL app: .*\n\s+fix: the function key was refused/m);
        const noDeadLetter = await doctor(settings, ['--dead-letter-container', 'no-dead-letters']);
        assert.equal(noDeadLetter.code, 1);
        assert.match(noDeadLetter.out, /^FAIL dead-letter container: 'no-dead-letters' does not exist/m);
    });

    it('skips, saying why, a check whose key is a Key Vault reference', async () => {
        const { code, out } = await doctor({
            ...settings,
            CHURN_TRAINING_KEY: '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/CHURN-TRAINING-KEY)',
        });
        assert.equal(code, 0, out);
        assert.match(out, /^skip churn: BES: CHURN_TRAINING_KEY is a Key Vault reference; only the app resolves it/m);
    });

    it('reads the Event Grid subscription through ARM (live Azure mocked on loopback) and names what is wrong', async () => {
        const id =
            '/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventGrid/systemTopics/t/eventSubscriptions/retrainer-training-data';
        let body: unknown = {
            properties: {
                provisioningState: 'Succeeded',
                destination: { endpointType: 'WebHook' },
                deadLetterWithResourceIdentity: { identity: { type: 'SystemAssigned' } },
            },
        };
        const seen: string[] = [];
        const server = createServer((req, res) => {
            seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
            const status = req.url?.startsWith(id) ? 200 : 404;
            res.writeHead(status, { 'Content-Type': 'application/json' }).end(
                JSON.stringify(status === 200 ? body : {}),
            );
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        after(() => server.close());
        const armBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const armCredential = {
            getToken: () => Promise.resolve({ token: 'arm-token', expiresOnTimestamp: Date.now() + 60_000 }),
        };
        const eventGrid = async (subscription: string) =>
            (
                await runDoctor({
                    settings,
                    baseDir: dir,
                    eventGridSubscription: subscription,
                    armBaseUrl,
                    armCredential,
                })
            ).find((c) => c.check === 'event grid subscription')!;
        assert.equal((await eventGrid(id)).status, 'ok');
        assert.deepEqual(seen, [`GET ${id}?api-version=2025-02-15 Bearer arm-token`]);
        const missing = await eventGrid(id.replace('retrainer-training-data', 'other'));
        assert.equal(missing.status, 'fail');
        assert.match(missing.fix!, /azd hooks run postdeploy/);
        body = { properties: { provisioningState: 'Succeeded', destination: { endpointType: 'WebHook' } } };
        const keyed = await eventGrid(id);
        assert.equal(keyed.status, 'fail');
        assert.match(keyed.detail, /identity dead-lettering off/);
    });

    it('reads the settings of a deployed app as az functionapp config appsettings list prints them', () => {
        const file = path.join(dir, 'az-settings.json');
        writeFileSync(
            file,
            JSON.stringify([
                { name: 'A', value: '1', slotSetting: false },
                { name: 'B', value: '2', slotSetting: false },
            ]),
        );
        assert.deepEqual(readSettingsFile(file), { A: '1', B: '2' });
        writeFileSync(file, '[]');
        assert.throws(() => readSettingsFile(file), /no settings found/);
    });
});
