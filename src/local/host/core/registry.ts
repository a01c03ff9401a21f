import path from 'node:path';

import { Disposable } from './disposable';
import {
    CapturedMetadata,
    CoreFunctionMetadata,
    CoreLogLevel,
    FunctionCallback,
    HookCallback,
    HookName,
    ProgrammingModel,
    RpcBindingInfo,
} from './types';

export class RegistrationError extends Error {
    override name = 'RegistrationError';
}

export interface RegisteredFunction {
    id: string;
    metadata: CapturedMetadata;
    callback: FunctionCallback;
    /** Binding name of the trigger (a deterministic hash unless the app named it). */
    triggerName: string;
    trigger: RpcBindingInfo;
}

const HOOK_NAMES: readonly HookName[] = ['appStart', 'appTerminate', 'preInvocation', 'postInvocation', 'log'];

/** Everything the app registers through `@azure/functions-core`, as the worker records it. */
export class FunctionRegistry {
    readonly functions = new Map<string, RegisteredFunction>();
    readonly hooks: Record<HookName, HookCallback[]> = {
        appStart: [],
        appTerminate: [],
        preInvocation: [],
        postInvocation: [],
        log: [],
    };
    readonly appHookData: Record<string, unknown> = {};
    readonly appLevelOnlyHookData: Record<string, unknown> = {};
    programmingModel: ProgrammingModel | undefined;
    currentEntryPoint: string | undefined;
    locked = false;
    /** System log lines the library sends through core.log outside an invocation. */
    onCoreLog: (level: CoreLogLevel, category: string, message: string) => void = () => undefined;

    register(metadata: CoreFunctionMetadata, callback: FunctionCallback): Disposable {
        if (this.locked) throw new RegistrationError('A function can only be registered during app startup.');
        const functionId = metadata.functionId ?? metadata.name;
        if (this.functions.has(functionId)) {
            throw new RegistrationError(`A function with id "${functionId}" has already been registered.`);
        }
        const entry = this.currentEntryPoint;
        const captured: CapturedMetadata = {
            ...metadata,
            functionId,
            rawBindings: Object.entries(metadata.bindings).map(([name, b]) => JSON.stringify({ ...b, name })),
            scriptFile: entry ? path.basename(entry) : 'unknown',
            directory: entry ? path.dirname(entry) : undefined,
        };
        const trigger = Object.entries(metadata.bindings).find(([, b]) => /trigger$/i.test(b.type));
        if (!trigger) throw new RegistrationError(`Function "${functionId}" has no trigger binding.`);
        this.functions.set(functionId, {
            id: functionId,
            metadata: captured,
            callback,
            triggerName: trigger[0],
            trigger: trigger[1],
        });
        return new Disposable(() => this.functions.delete(functionId));
    }

    registerHook(name: HookName, callback: HookCallback): Disposable {
        if (!HOOK_NAMES.includes(name)) throw new RangeError(`Unrecognized hook "${String(name)}"`);
        const list = this.hooks[name];
        list.push(callback);
        return new Disposable(() => {
            const i = list.indexOf(callback);
            if (i >= 0) list.splice(i, 1);
        });
    }

    byTriggerType(type: string): RegisteredFunction[] {
        return [...this.functions.values()].filter((f) => f.trigger.type.toLowerCase() === type.toLowerCase());
    }

    get(functionId: string): RegisteredFunction | undefined {
        return this.functions.get(functionId);
    }
}
