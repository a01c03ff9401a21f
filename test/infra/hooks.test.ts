import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { loadApp } from '../../src/local/host/core/loader';
import { ROOT } from './armTemplate';

const HOOK = path.join(ROOT, 'infra', 'hooks', 'postdeploy.sh');
const KEY = 'fakeBlobsExtensionKey0123==';

/** The values azd exports to the hook: main.bicep outputs of a deployed environment. */
const AZD_ENV = {
    AZURE_RESOURCE_GROUP: 'rg-test',
    AZURE_FUNCTION_APP_NAME: 'func-abc',
    SERVICE_API_URI: 'https://func-abc.azurewebsites.net',
    EVENTGRID_SYSTEM_TOPIC_ID:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.EventGrid/systemTopics/evgst-abc',
    EVENTGRID_DEADLETTER_CONTAINER: 'eventgrid-deadletter',
    AZURE_STORAGE_ACCOUNT_ID:
        '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test/providers/Microsoft.Storage/storageAccounts/stabc',
    RETRAINER_DATA_CONTAINER: 'training-data',
};

/** The scripts azure.yaml runs as hooks. */
function hookScripts(): string[] {
    const yaml = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
    return [...yaml.matchAll(/^\s*run:\s*(\S+)/gm)].map((m) => path.join(ROOT, m[1]));
}

/** shellcheck's path, or undefined after a skip (a failure under CI, which installs it). */
function shellcheckOrSkip(t: { skip(message?: string): void }): string | undefined {
    const found = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    if (!found.error && found.status === 0) return 'shellcheck';
    const reason = "Debian's shellcheck is not installed (apt-get install shellcheck)";
    if (process.env.CI === 'true') throw new Error(`CI requires shellcheck: ${reason}`);
    t.skip(`hook shellcheck SKIPPED: ${reason}`);
    return undefined;
}

const work = mkdtempSync(path.join(tmpdir(), 'retrainer-hook-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface HookRun {
    status: number | null;
    stderr: string;
    stdout: string;
    /** argv of every `az` call, in order. */
    calls: string[][];
}

/**
 * Runs the postdeploy hook with a fake `az` first on PATH, which records each call's argv and
 * answers `functionapp keys list` with the key only from call `keyFromCall` on (the host creates
 * the key some time after the deploy).
 */
function runHook(env: Record<string, string>, keyFromCall = 1): HookRun {
    const dir = mkdtempSync(path.join(work, 'run-'));
    const log = path.join(dir, 'calls.jsonl');
    const fakeAz = path.join(dir, 'az');
    writeFileSync(
        fakeAz,
        `#!/usr/bin/env node
const fs = require('node:fs');
const log = ${JSON.stringify(log)};
const argv = process.argv.slice(2);
fs.appendFileSync(log, JSON.stringify(argv) + '\\n');
const keyCalls = fs.readFileSync(log, 'utf8').trim().split('\\n').filter((l) => l.includes('"keys"')).length;
if (argv[0] === 'functionapp' && argv[1] === 'keys') {
    if (keyCalls >= ${keyFromCall}) process.stdout.write(${JSON.stringify(KEY)} + '\\n');
    process.exit(0);
}
if (argv[0] === 'rest') process.exit(0);
process.stderr.write('fake az: unexpected call ' + argv.join(' ') + '\\n');
process.exit(2);
`,
    );
    chmodSync(fakeAz, 0o755);
    const r = spawnSync('sh', [HOOK], {
        cwd: ROOT,
        encoding: 'utf8',
        env: {
            PATH: `${dir}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}/usr/bin:/bin`,
            POSTDEPLOY_KEY_INTERVAL_SECONDS: '0',
            ...env,
        },
    });
    const calls = existsSync(log)
        ? readFileSync(log, 'utf8')
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as string[])
        : [];
    return { status: r.status, stderr: r.stderr, stdout: r.stdout, calls };
}

/** The value after `flag` in an argv. */
function arg(argv: string[], flag: string): string {
    const i = argv.indexOf(flag);
    assert.ok(i >= 0 && i + 1 < argv.length, `${flag} missing from az ${argv.join(' ')}`);
    return argv[i + 1];
}

describe('azd hooks', () => {
    it('azure.yaml runs one POSIX hook and no PowerShell twin', () => {
        const yaml = readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8');
        assert.deepEqual(hookScripts(), [HOOK]);
        assert.match(yaml, /^\s+shell: sh$/m);
        assert.doesNotMatch(yaml, /pwsh|\.ps1/);
        assert.ok(!existsSync(HOOK.replace(/\.sh$/, '.ps1')), 'a PowerShell twin would drift from the tested script');
    });

    it('every hook script (and .ci/run) passes shellcheck', (t) => {
        const shellcheck = shellcheckOrSkip(t);
        if (!shellcheck) return;
        const scripts: [string, string][] = [
            ...hookScripts().map((f): [string, string] => [f, 'sh']),
            [path.join(ROOT, '.ci', 'run'), 'bash'],
        ];
        for (const [file, shell] of scripts) {
            const r: { status: number | null; stdout: string; stderr: string } = spawnSync(
                shellcheck,
                ['--shell', shell, '--severity', 'style', file],
                { encoding: 'utf8' },
            );
            assert.equal(r.status, 0, `${path.relative(ROOT, file)}:\n${r.stdout}${r.stderr}`);
        }
    });

    it('shellcheck itself fails on a broken copy of the hook', (t) => {
        const shellcheck = shellcheckOrSkip(t);
        if (!shellcheck) return;
        const broken = path.join(work, 'broken.sh');
        writeFileSync(broken, readFileSync(HOOK, 'utf8').replace('[ -n "$key" ] && break', '[ -n $key ] && break'));
        const r = spawnSync(shellcheck, ['--shell', 'sh', broken], { encoding: 'utf8' });
        // shellcheck's exit code when it reports issues (2 and up are its own failures).
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /SC2086/);
    });

    it('postdeploy waits for the blobs_extension key, then PUTs the subscription: webhook, filters, retry, dead letters with the topic identity', () => {
        const run = runHook(AZD_ENV, 3);
        assert.equal(run.status, 0, run.stderr);
        const keyCalls = run.calls.filter((c) => c[0] === 'functionapp');
        assert.equal(keyCalls.length, 3, 'asked again until the key existed');
        for (const c of keyCalls) {
            assert.deepEqual(c.slice(0, 3), ['functionapp', 'keys', 'list']);
            assert.equal(arg(c, '--name'), AZD_ENV.AZURE_FUNCTION_APP_NAME);
            assert.equal(arg(c, '--resource-group'), AZD_ENV.AZURE_RESOURCE_GROUP);
            assert.equal(arg(c, '--query'), 'systemKeys.blobs_extension');
        }
        const puts = run.calls.filter((c) => c[0] === 'rest');
        assert.equal(puts.length, 1);
        const [put] = puts;
        assert.equal(arg(put, '--method'), 'put');
        assert.equal(
            arg(put, '--url'),
            `${AZD_ENV.EVENTGRID_SYSTEM_TOPIC_ID}/eventSubscriptions/retrainer-training-data?api-version=2025-02-15`,
        );
        const body = JSON.parse(arg(put, '--body')) as { properties: Record<string, unknown> };
        assert.deepEqual(body.properties, {
            destination: {
                endpointType: 'WebHook',
                properties: {
                    endpointUrl: `${AZD_ENV.SERVICE_API_URI}/runtime/webhooks/blobs?functionName=Host.Functions.onTrainingData&code=${KEY}`,
                },
            },
            filter: {
                includedEventTypes: ['Microsoft.Storage.BlobCreated'],
                subjectBeginsWith: '/blobServices/default/containers/training-data/',
                isSubjectCaseSensitive: false,
            },
            eventDeliverySchema: 'EventGridSchema',
            retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
            deadLetterWithResourceIdentity: {
                identity: { type: 'SystemAssigned' },
                deadLetterDestination: {
                    endpointType: 'StorageBlob',
                    properties: {
                        resourceId: AZD_ENV.AZURE_STORAGE_ACCOUNT_ID,
                        blobContainerName: AZD_ENV.EVENTGRID_DEADLETTER_CONTAINER,
                    },
                },
            },
        });
        assert.ok(!('deadLetterDestination' in body.properties), 'no key-based dead letter: the account refuses keys');
    });

    it('the webhook names the app’s Event Grid blob trigger function', () => {
        const app = loadApp(ROOT);
        const blobTriggers = [...app.registry.functions.values()].filter((f) =>
            f.metadata.rawBindings.some((b) => (JSON.parse(b) as { type: string }).type === 'blobTrigger'),
        );
        assert.deepEqual(
            blobTriggers.map((f) => f.metadata.name),
            ['onTrainingData'],
        );
        assert.match(readFileSync(HOOK, 'utf8'), /^function_name="onTrainingData"$/m);
    });

    it('postdeploy is idempotent: a second run writes the same subscription with the same PUT', () => {
        const first = runHook(AZD_ENV);
        const second = runHook(AZD_ENV);
        assert.equal(first.status, 0, first.stderr);
        assert.equal(second.status, 0, second.stderr);
        assert.deepEqual(second.calls, first.calls);
        assert.equal(first.calls.filter((c) => c[0] === 'rest' && arg(c, '--method') === 'put').length, 1);
        assert.ok(
            !first.calls.some((c) => c.includes('create') || c.includes('delete')),
            'only a PUT, never create/delete',
        );
    });

    it('postdeploy names each missing azd value and calls nothing', () => {
        for (const name of Object.keys(AZD_ENV)) {
            const env: Record<string, string> = { ...AZD_ENV };
            delete env[name];
            const run = runHook(env);
            // ${NAME:?} exits non-zero with a code of the shell's choosing (dash 2, bash 127): only "not 0" is portable.
            assert.notEqual(run.status, 0, name);
            assert.match(run.stderr, new RegExp(`${name} is not set`));
            assert.deepEqual(run.calls, [], `${name} missing, yet az was called`);
        }
    });

    it('postdeploy fails, saying what to check, when the key never appears', () => {
        const run = runHook({ ...AZD_ENV, POSTDEPLOY_KEY_ATTEMPTS: '2' }, 99);
        assert.equal(run.status, 1, 'the hook exits 1 after its last try');
        assert.match(run.stderr, /no blobs_extension key after 2 tries; is the app running\?/);
        assert.equal(run.calls.filter((c) => c[0] === 'rest').length, 0);
        assert.ok(!run.stderr.includes(KEY) && !run.stdout.includes(KEY));
    });
});
