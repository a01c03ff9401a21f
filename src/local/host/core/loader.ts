import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { installCoreModule } from './coreModule';
import { expandGlob } from './glob';
import { FunctionRegistry } from './registry';

export class AppLoadError extends Error {
    override name = 'AppLoadError';
}

export interface LoadedApp {
    registry: FunctionRegistry;
    entryPoints: string[];
    capabilities: Record<string, string>;
}

let loadedRoot: string | undefined;

/**
 * Loads the app's entry files the way the worker's startApp does: the core module is installed
 * first, each file is required with its path recorded for scriptFile, then registration is locked
 * and getCapabilities called (which also locks app.setup). One app per process: the library keeps
 * its core module and programming model in module state.
 */
export function loadApp(appRoot: string): LoadedApp {
    const root = path.resolve(appRoot);
    const registry = installCoreModule();
    if (loadedRoot !== undefined) {
        if (loadedRoot !== root) throw new AppLoadError(`This process already loaded the app at ${loadedRoot}.`);
        return { registry, entryPoints: [], capabilities: {} };
    }
    const pkgPath = path.join(root, 'package.json');
    let main: unknown;
    try {
        main = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { main?: unknown }).main;
    } catch (err: unknown) {
        throw new AppLoadError(`Cannot read ${pkgPath}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof main !== 'string' || main === '') throw new AppLoadError(`${pkgPath} has no "main" entry point.`);
    const entryPoints = expandGlob(root, main);
    if (entryPoints.length === 0) {
        throw new AppLoadError(`package.json main "${main}" matches no file under ${root} (did you build?).`);
    }
    loadedRoot = root;
    for (const file of entryPoints) {
        registry.currentEntryPoint = file;
        try {
            // Same module cache as every other require: the app shares @azure/functions with the host.
            createRequire(__filename)(file);
        } catch (err: unknown) {
            throw new AppLoadError(
                `Worker was unable to load entry point "${file}": ${err instanceof Error ? err.message : String(err)}`,
            );
        } finally {
            registry.currentEntryPoint = undefined;
        }
    }
    registry.locked = true;
    return { registry, entryPoints, capabilities: {} };
}

/** After loading: capabilities (locks app.setup) then the appStart hooks, as the worker does. */
export async function startApp(app: LoadedApp, appRoot: string): Promise<void> {
    const pm = app.registry.programmingModel;
    if (pm) Object.assign(app.capabilities, await pm.getCapabilities({}));
    const ctx: Record<string, unknown> = { functionAppDirectory: path.resolve(appRoot) };
    Object.defineProperty(ctx, 'hookData', { enumerable: true, get: () => app.registry.appLevelOnlyHookData });
    Object.defineProperty(ctx, 'appHookData', { enumerable: true, get: () => app.registry.appHookData });
    for (const hook of app.registry.hooks.appStart) await hook(ctx);
}

/** appTerminate hooks, on a graceful stop. */
export async function terminateApp(registry: FunctionRegistry): Promise<void> {
    const ctx: Record<string, unknown> = {};
    Object.defineProperty(ctx, 'hookData', { enumerable: true, get: () => registry.appLevelOnlyHookData });
    Object.defineProperty(ctx, 'appHookData', { enumerable: true, get: () => registry.appHookData });
    for (const hook of registry.hooks.appTerminate) await hook(ctx);
}
