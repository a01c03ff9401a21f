import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';

import { expandGlob } from '../../src/local/host/core/glob';
import { loadApp, LoadedApp } from '../../src/local/host/core/loader';
import { RETRAIN_ORCHESTRATOR } from '../../src/functions/shared/startRetrain';
import { Activities } from '../../src/orchestrators/contracts';
import { funcignore } from './funcignore';
import { modulesLoadedBy } from './loadedModules';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string };
const hostJson = JSON.parse(readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as {
    version: string;
    extensionBundle?: { id: string; version: string };
    extensions?: { durableTask?: { hubName?: string } };
};

interface Binding {
    name: string;
    type: string;
    direction: string;
    [option: string]: unknown;
}

/** Binding types the v4 extension bundle (or the host itself) provides. */
const KNOWN_BINDINGS = new Set([
    'httpTrigger',
    'http',
    'timerTrigger',
    'blobTrigger',
    'durableClient',
    'orchestrationTrigger',
    'activityTrigger',
]);

/** Loaded here only because a dev tool installed them (with their dependencies); required inside try/catch. */
const OPTIONAL_REQUIRES = new Set(['node_modules/supports-color']); // by debug (src/node.js)

const http = (methods: string[], route: string, durable: boolean, authLevel = 'function') => [
    { type: 'httpTrigger', direction: 'in', authLevel, methods, route },
    ...(durable ? [{ type: 'durableClient', direction: 'in' }] : []),
    { type: 'http', direction: 'out', name: '$return' },
];

/** What the real Functions host must receive: the trigger, its direction and its settings. */
const EXPECTED: Record<string, Partial<Binding>[]> = {
    onTrainingData: [
        {
            type: 'blobTrigger',
            direction: 'in',
            path: '%RETRAINER_DATA_CONTAINER%/{name}',
            connection: 'AzureWebJobsStorage',
        },
        { type: 'durableClient', direction: 'in' },
    ],
    retrainTimer: [
        { type: 'timerTrigger', direction: 'in', schedule: '%RETRAINER_TIMER_SCHEDULE%' },
        { type: 'durableClient', direction: 'in' },
    ],
    retrainHttpStart: http(['POST'], 'retrain/{target}', true),
    cancelRetrainHttp: http(['POST'], 'retrain/{target}/cancel', true),
    runsHttp: http(['GET'], 'runs', false),
    approveRunHttp: http(['POST'], 'runs/{runId}/approve', true),
    rejectRunHttp: http(['POST'], 'runs/{runId}/reject', true),
    dataListHttp: http(['GET'], 'data/{target}', false),
    dataExcludeHttp: http(['POST'], 'data/{target}/exclude', false),
    dataIncludeHttp: http(['POST'], 'data/{target}/include', false),
    scoreHttp: http(['POST'], 'score/{target}', false),
    targetsHttp: http(['GET'], 'targets/{target?}', true),
    // Anonymous at the Functions level: App Service Authentication signs people in (src/functions/shared/clientPrincipal.ts).
    uiHttp: http(['GET', 'POST'], 'ui/{*path}', true, 'anonymous'),
    [RETRAIN_ORCHESTRATOR]: [{ type: 'orchestrationTrigger', direction: 'in' }],
    ...Object.fromEntries(Object.values(Activities).map((a) => [a, [{ type: 'activityTrigger', direction: 'in' }]])),
};

/**
 * The built app's registrations, captured by the dev host's loader exactly as the Node worker
 * records them (rawBindings is what the host reads), checked against what the real host and the
 * deployment package need.
 */
describe('registration metadata of the built app', () => {
    let app: LoadedApp;
    const bindingsOf = (name: string): Binding[] => {
        const f = app.registry.get(name);
        assert.ok(f, `function ${name} is not registered`);
        return f.metadata.rawBindings.map((b) => JSON.parse(b) as Binding);
    };

    before(() => {
        app = loadApp(ROOT);
    });

    it('package.json main matches index.js and every compiled src/functions file, nothing else', () => {
        const sources = readdirSync(path.join(ROOT, 'src', 'functions'))
            .filter((f) => f.endsWith('.ts'))
            .map((f) => path.join(ROOT, 'dist', 'src', 'functions', f.replace(/\.ts$/, '.js')));
        const expected = [path.join(ROOT, 'dist', 'src', 'index.js'), ...sources];
        assert.deepEqual(expandGlob(ROOT, pkg.main).sort(), expected.sort());
        assert.deepEqual([...app.entryPoints].sort(), expected.sort());
    });

    it('registers exactly the expected functions, each from its own file', () => {
        assert.deepEqual([...app.registry.functions.keys()].sort(), Object.keys(EXPECTED).sort());
        const files = new Set([...app.registry.functions.values()].map((f) => f.metadata.scriptFile));
        const functionFiles = app.entryPoints.filter((e) => e.includes(`${path.sep}functions${path.sep}`));
        assert.deepEqual([...files].sort(), functionFiles.map((e) => path.basename(e)).sort());
    });

    it('binding types, directions and settings are what the host needs', () => {
        for (const [name, expected] of Object.entries(EXPECTED)) {
            const actual = bindingsOf(name);
            assert.equal(actual.length, expected.length, `${name}: ${JSON.stringify(actual)}`);
            expected.forEach((e, i) => {
                const a = actual[i];
                for (const [k, v] of Object.entries(e)) assert.deepEqual(a[k], v, `${name} binding ${i} ${k}`);
                assert.ok(KNOWN_BINDINGS.has(a.type), `${name}: ${a.type} is not provided by the extension bundle`);
                assert.ok(/trigger$/i.test(a.type) === (i === 0), `${name}: exactly one trigger, first`);
            });
        }
    });

    it('host.json: schema 2.0, the v4 extension bundle (durable, blob), the hub from a setting', () => {
        assert.equal(hostJson.version, '2.0');
        assert.deepEqual(hostJson.extensionBundle, {
            id: 'Microsoft.Azure.Functions.ExtensionBundle',
            version: '[4.*, 5.0.0)',
        });
        assert.equal(hostJson.extensions?.durableTask?.hubName, '%TASKHUB_NAME%');
    });

    it('the app loads nothing from src/local, src/cli or test, only shipped sources and production dependencies', () => {
        const loaded = modulesLoadedBy(ROOT, expandGlob(ROOT, pkg.main));
        const own = loaded.filter((m) => !m.startsWith(`node_modules${path.sep}`));
        assert.ok(own.length > 20, `loaded ${own.length} own modules`);
        for (const m of own) {
            assert.ok(m.startsWith(path.join('dist', 'src') + path.sep), `${m} is outside dist/src`);
            assert.ok(!m.startsWith(path.join('dist', 'src', 'local') + path.sep), `${m} is local-only code`);
            assert.ok(!m.startsWith(path.join('dist', 'src', 'cli') + path.sep), `${m} is the CLI, not the app`);
        }
        // Remote build compiles the shipped sources, so each loaded file's source must ship.
        const ignored = funcignore(ROOT);
        for (const m of own) {
            const source = m.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts');
            assert.ok(!ignored(source), `${m} is loaded but .funcignore leaves ${source} out of the package`);
        }
        const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
            packages: Record<string, { dev?: boolean; dependencies?: Record<string, string> }>;
        };
        const optional = new Set<string>();
        const addOptional = (p: string): void => {
            if (optional.has(p)) return;
            optional.add(p);
            for (const d of Object.keys(lock.packages[p]?.dependencies ?? {})) addOptional(`node_modules/${d}`);
        };
        OPTIONAL_REQUIRES.forEach(addOptional);
        const packages = new Set(
            loaded
                .filter((m) => m.startsWith(`node_modules${path.sep}`))
                .map((m) => /^(node_modules\/(?:@[^/]+\/)?[^/]+)/.exec(m.split(path.sep).join('/'))?.[1] ?? m),
        );
        assert.ok(packages.has('node_modules/durable-functions'));
        for (const p of packages) {
            if (optional.has(p)) continue;
            assert.ok(lock.packages[p] && !lock.packages[p].dev, `${p} is a dev dependency`);
        }
    });

    it('.funcignore (remote build) ships sources and build inputs, not local code, tests, infra or node_modules', () => {
        const ignored = funcignore(ROOT);
        for (const p of [
            'src/local/host/host.ts',
            'test/run.ts',
            'infra/main.bicep',
            'node_modules/zod/package.json',
        ]) {
            assert.ok(ignored(p), `${p} would be deployed`);
        }
        for (const p of ['node_modules/zod/package.json', 'dist/src/index.js', 'README.md', 'local.settings.json']) {
            assert.ok(ignored(p), `${p} would be deployed`);
        }
        for (const p of ['host.json', 'package.json', 'package-lock.json', 'tsconfig.json', 'src/index.ts']) {
            assert.ok(!ignored(p), `${p} would be left out`);
        }
        assert.ok(!ignored('retrainer.config.json'), 'the config file the app reads at start-up');
    });

    it('the blob trigger uses the Event Grid source (required on Flex Consumption)', () => {
        assert.equal(bindingsOf('onTrainingData')[0].source, 'EventGrid');
    });
});
