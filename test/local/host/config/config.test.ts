import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { cpus } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { readHostConfig } from '../../../../src/local/host/config/hostJson';
import {
    isFunctionDisabled,
    loadLocalSettings,
    resolveSettingRefs,
    SettingsError,
} from '../../../../src/local/host/config/settings';
import { expandBraces, expandGlob } from '../../../../src/local/host/core/glob';
import { parseBlobPath } from '../../../../src/local/host/triggers/blobPath';

function dir(): string {
    return mkdtempSync(path.join(tmpdir(), 'devhost-config-'));
}

describe('settings and host.json', () => {
    it('loads local.settings.json Values into the environment without overriding what is set', () => {
        const d = dir();
        const file = path.join(d, 'local.settings.json');
        writeFileSync(file, JSON.stringify({ IsEncrypted: false, Values: { A: 'from-file', B: 'b', N: 3 } }));
        const env: Record<string, string | undefined> = { A: 'from-shell' };
        assert.deepEqual(loadLocalSettings(file, env), ['B', 'N']);
        assert.deepEqual(env, { A: 'from-shell', B: 'b', N: '3' });
        assert.deepEqual(loadLocalSettings(path.join(d, 'missing.json'), env), []);
        writeFileSync(file, '{nope');
        assert.throws(() => loadLocalSettings(file, env), SettingsError);
    });

    it('resolves %SETTING% references and names a missing one', () => {
        assert.equal(resolveSettingRefs('%C%/{name}', { C: 'training-data' }), 'training-data/{name}');
        assert.throws(() => resolveSettingRefs('%NOPE%', {}), /'NOPE'/);
        assert.equal(isFunctionDisabled('Tick', { 'AzureWebJobs.Tick.Disabled': 'true' }), true);
        assert.equal(isFunctionDisabled('Tick', { 'AzureWebJobs.Tick.Disabled': 'false' }), false);
    });

    it('reads the route prefix, hub name and concurrency from host.json', () => {
        const d = dir();
        writeFileSync(
            path.join(d, 'host.json'),
            JSON.stringify({
                extensions: {
                    http: { routePrefix: '/v1/' },
                    durableTask: { hubName: '%HUB%', maxConcurrentActivityFunctions: 3 },
                },
            }),
        );
        const c = readHostConfig(d, { HUB: 'MyHub' });
        assert.deepEqual(c, {
            routePrefix: 'v1',
            hubName: 'MyHub',
            maxConcurrentActivityFunctions: 3,
            maxConcurrentOrchestratorFunctions: 10,
            maxDequeueCount: 5,
            maxBlobParallelism: 8 * cpus().length,
            overridableExistingInstanceStates: 'NonRunningStates',
        });
        assert.equal(readHostConfig(dir(), {}).hubName, 'TestHubName');
        writeFileSync(
            path.join(d, 'host.json'),
            JSON.stringify({ extensions: { durableTask: { hubName: 'bad-hub!' } } }),
        );
        assert.throws(() => readHostConfig(d, {}), SettingsError);
    });

    it('reads the blob trigger parallelism from extensions.blobs.maxDegreeOfParallelism, and the app sets it', () => {
        const d = dir();
        writeFileSync(
            path.join(d, 'host.json'),
            JSON.stringify({ extensions: { blobs: { maxDegreeOfParallelism: 2 } } }),
        );
        assert.equal(readHostConfig(d, {}).maxBlobParallelism, 2);
        writeFileSync(
            path.join(d, 'host.json'),
            JSON.stringify({ extensions: { blobs: { maxDegreeOfParallelism: 0 } } }),
        );
        assert.throws(() => readHostConfig(d, {}), /blobs\.maxDegreeOfParallelism must be a positive integer/);
        // The app's own host.json bounds it: each invocation holds its whole blob in memory.
        assert.equal(
            readHostConfig(path.resolve(__dirname, '../../../../..'), { TASKHUB_NAME: 'Hub' }).maxBlobParallelism,
            2,
        );
    });

    it('reads overridableExistingInstanceStates (default NonRunningStates) and names a bad value', () => {
        const d = dir();
        const write = (v: unknown) =>
            writeFileSync(
                path.join(d, 'host.json'),
                JSON.stringify({ extensions: { durableTask: { overridableExistingInstanceStates: v } } }),
            );
        write('AnyState');
        assert.equal(readHostConfig(d, {}).overridableExistingInstanceStates, 'AnyState');
        write('NonRunningStates');
        assert.equal(readHostConfig(d, {}).overridableExistingInstanceStates, 'NonRunningStates');
        write('Running');
        assert.throws(() => readHostConfig(d, {}), /overridableExistingInstanceStates must be/);
        // The app's own host.json does not rest on the default.
        const appHost = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../../host.json'), 'utf8')) as {
            extensions: { durableTask: Record<string, unknown> };
        };
        assert.equal(appHost.extensions.durableTask.overridableExistingInstanceStates, 'NonRunningStates');
    });
});

describe('entry-point globs', () => {
    it('expands braces in order and matches * within a segment', () => {
        assert.deepEqual(expandBraces('dist/{index.js,functions/*.js}'), ['dist/index.js', 'dist/functions/*.js']);
        const d = dir();
        mkdirSync(path.join(d, 'dist', 'functions'), { recursive: true });
        for (const f of ['dist/index.js', 'dist/functions/b.js', 'dist/functions/a.js', 'dist/functions/a.js.map'])
            writeFileSync(path.join(d, f), '');
        assert.deepEqual(
            expandGlob(d, 'dist/{index.js,functions/*.js}').map((f) => path.relative(d, f)),
            ['dist/index.js', 'dist/functions/a.js', 'dist/functions/b.js'],
        );
        assert.deepEqual(expandGlob(d, 'dist/missing.js'), []);
    });
});

describe('blob trigger paths', () => {
    it('splits container and tokens into binding data', () => {
        const p = parseBlobPath('training-data/{target}/{name}.{ext}');
        assert.equal(p.container, 'training-data');
        assert.equal(p.prefix, '');
        assert.deepEqual(p.match('churn/2025/batch.v2.csv'), { target: 'churn/2025', name: 'batch.v2', ext: 'csv' });
        assert.equal(p.match('no-extension'), undefined);
        assert.equal(parseBlobPath('c01/in/{name}').prefix, 'in/');
        assert.throws(() => parseBlobPath('{c}/x'), /literal container/);
    });
});
