import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { loadApp } from '../../../../src/local/host/core/loader';
import { CoreFunctionMetadata, RpcBindingInfo } from '../../../../src/local/host/core/types';
import { SAMPLE_APP_ROOT } from '../sampleHost';

const deferred = { supportsDeferredBinding: 'false' };

/**
 * What the Node worker receives from @azure/functions 4.16.5 for these registrations (binding
 * names are the library's deterministic hashes; the protocol reference shows the same ones
 * captured under the real worker: activityTrigger7996c743ef, orchestrationTrigger56e21d4b3e,
 * durableClientInputd82f0ee27b, httpOutput9a706511b1).
 */
const EXPECTED: Record<string, CoreFunctionMetadata> = {
    Hello: {
        name: 'Hello',
        bindings: {
            httpTrigger08bc36ffc7: {
                methods: ['GET'],
                authLevel: 'anonymous',
                route: 'hello/{who?}',
                type: 'httpTrigger',
                name: 'httpTrigger08bc36ffc7',
                direction: 'in',
                properties: deferred,
            },
            $return: { type: 'http', name: 'httpOutput9a706511b1', direction: 'out' },
        },
    },
    Secret: {
        name: 'Secret',
        bindings: {
            httpTriggera00f31a259: {
                methods: ['GET', 'POST'],
                authLevel: 'function',
                route: 'secret/{id:int}',
                type: 'httpTrigger',
                name: 'httpTriggera00f31a259',
                direction: 'in',
                properties: deferred,
            },
            $return: { type: 'http', name: 'httpOutput9a706511b1', direction: 'out' },
        },
    },
    StartOrchestration: {
        name: 'StartOrchestration',
        bindings: {
            httpTrigger251d394cec: {
                route: 'orchestrators/{name}/{id?}',
                methods: ['POST'],
                authLevel: 'anonymous',
                type: 'httpTrigger',
                name: 'httpTrigger251d394cec',
                direction: 'in',
                properties: deferred,
            },
            durableClientInputd82f0ee27b: {
                type: 'durableClient',
                name: 'durableClientInputd82f0ee27b',
                direction: 'in',
                properties: deferred,
            },
            $return: { type: 'http', name: 'httpOutput9a706511b1', direction: 'out' },
        },
    },
    Tick: {
        name: 'Tick',
        bindings: {
            timerTrigger7f6bb8f005: {
                schedule: '%SAMPLE_TICK%',
                runOnStartup: false,
                useMonitor: true,
                type: 'timerTrigger',
                name: 'timerTrigger7f6bb8f005',
                direction: 'in',
                properties: deferred,
            },
        },
        retryOptions: {
            strategy: 'fixedDelay',
            maxRetryCount: 2,
            delayInterval: { seconds: 1 },
            retryStrategy: 'fixedDelay',
        },
    },
    OnUpload: {
        name: 'OnUpload',
        bindings: {
            blobTrigger2176f48cb1: {
                path: '%SAMPLE_UPLOADS%/{name}',
                connection: 'AzureWebJobsStorage',
                type: 'blobTrigger',
                name: 'blobTrigger2176f48cb1',
                direction: 'in',
                properties: deferred,
            },
        },
    },
    Greet: {
        name: 'Greet',
        bindings: {
            activityTrigger7996c743ef: {
                type: 'activityTrigger',
                name: 'activityTrigger7996c743ef',
                direction: 'in',
                properties: deferred,
            },
        },
    },
    Pipeline: {
        name: 'Pipeline',
        bindings: {
            orchestrationTrigger56e21d4b3e: {
                type: 'orchestrationTrigger',
                name: 'orchestrationTrigger56e21d4b3e',
                direction: 'in',
                properties: deferred,
            },
        },
    },
    QueueWork: {
        name: 'QueueWork',
        bindings: {
            queueTrigger56f16b5ddf: {
                queueName: 'sample-work',
                connection: 'AzureWebJobsStorage',
                type: 'queueTrigger',
                name: 'queueTrigger56f16b5ddf',
                direction: 'in',
                properties: deferred,
            },
        },
    },
};

describe('registration capture', () => {
    const app = loadApp(SAMPLE_APP_ROOT);
    const registry = app.registry;

    it('captures every function the sample app registers, from each entry file', () => {
        assert.deepEqual(
            app.entryPoints.map((f) => f.split('/').pop()),
            ['index.js', 'durable.js', 'http.js', 'triggers.js'],
        );
        assert.deepEqual([...registry.functions.keys()].sort(), [
            'AlwaysFails',
            'Big',
            'BigOne',
            'Boom',
            'Child',
            'ClientOps',
            'Counter',
            'Failing',
            'Flaky',
            'Forever',
            'Greet',
            'Hello',
            'OnUpload',
            'Pipeline',
            'PoisonPill',
            'QueueWork',
            'Race',
            'Secret',
            'Slow',
            'Square',
            'StartOrchestration',
            'Tick',
            'Wrapped',
        ]);
    });

    for (const [name, expected] of Object.entries(EXPECTED)) {
        it(`${name}: metadata equals what the worker would receive`, () => {
            const fn = registry.get(name);
            assert.ok(fn, `${name} registered`);
            const { name: n, bindings, retryOptions } = fn.metadata;
            // Compared in wire form: the worker sends it over gRPC, where undefined fields vanish.
            const wire = JSON.parse(JSON.stringify({ name: n, bindings, retryOptions })) as unknown;
            assert.deepEqual(wire, expected);
            // The worker's own enrichment: functionId and rawBindings (each binding named by its key).
            assert.equal(fn.metadata.functionId, name);
            assert.deepEqual(
                fn.metadata.rawBindings.map((r) => JSON.parse(r) as RpcBindingInfo),
                Object.entries(expected.bindings).map(([key, b]) => ({ ...b, name: key })),
            );
        });
    }

    it('records the entry file each function came from and finds its trigger binding', () => {
        assert.equal(registry.get('Hello')?.metadata.scriptFile, 'http.js');
        assert.equal(registry.get('Pipeline')?.metadata.scriptFile, 'durable.js');
        assert.equal(registry.get('StartOrchestration')?.triggerName, 'httpTrigger251d394cec');
    });

    it('locks registration after start-up, as the worker does', () => {
        assert.throws(
            () =>
                registry.register(
                    { name: 'Late', bindings: { t: { type: 'httpTrigger', direction: 'in' } } },
                    () => undefined,
                ),
            /only be registered during app startup/,
        );
    });

    it('keeps the hooks the app registered', () => {
        assert.equal(registry.hooks.appStart.length, 1);
        assert.equal(registry.hooks.preInvocation.length, 1);
        assert.equal(registry.hooks.postInvocation.length, 1);
    });
});
