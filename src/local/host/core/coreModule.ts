import Module from 'node:module';

import { Disposable } from './disposable';
import { FunctionRegistry } from './registry';
import {
    CoreFunctionMetadata,
    CoreLogLevel,
    FunctionCallback,
    HookCallback,
    HookName,
    ProgrammingModel,
} from './types';

export const CORE_MODULE_NAME = '@azure/functions-core';

/** The object `require('@azure/functions-core')` returns inside the dev host. */
export function createCoreApi(registry: FunctionRegistry): Record<string, unknown> {
    return {
        version: '3.10.1-devhost',
        hostVersion: '4.1000.0-devhost',
        Disposable,
        setProgrammingModel(pm: ProgrammingModel): void {
            registry.programmingModel = pm;
        },
        getProgrammingModel(): ProgrammingModel | undefined {
            return registry.programmingModel;
        },
        registerFunction(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
            return registry.register(metadata, callback);
        },
        registerHook(name: HookName, callback: HookCallback): Disposable {
            return registry.registerHook(name, callback);
        },
        log(level: CoreLogLevel, category: string, message: string): void {
            registry.onCoreLog(level, category, message);
        },
    };
}

const INSTALLED = Symbol.for('retrainer.devhost.core');

interface Installed {
    registry: FunctionRegistry;
}

type GlobalWithCore = typeof globalThis & { [INSTALLED]?: Installed };

/**
 * Makes `require('@azure/functions-core')` answer with the dev host's core API, the way the worker
 * does (a Proxy around Module.prototype.require). The library caches the core module on first use,
 * so there is exactly one registry per process; installing twice returns the same one.
 */
export function installCoreModule(): FunctionRegistry {
    const g = globalThis as GlobalWithCore;
    const existing = g[INSTALLED];
    if (existing) return existing.registry;
    const registry = new FunctionRegistry();
    const coreApi = createCoreApi(registry);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the Proxy forwards `this` itself
    const original = Module.prototype.require;
    Module.prototype.require = new Proxy(original, {
        apply(target, thisArg: unknown, args: unknown[]): unknown {
            if (args[0] === CORE_MODULE_NAME) return coreApi;
            return Reflect.apply(target, thisArg, args) as unknown;
        },
    });
    g[INSTALLED] = { registry };
    return registry;
}
