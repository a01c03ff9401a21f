import { randomUUID } from 'node:crypto';

import { HostLogger } from './log';
import { FunctionRegistry, RegisteredFunction } from './registry';
import {
    CoreInvocationContext,
    RpcInvocationRequest,
    RpcInvocationResponse,
    RpcParameterBinding,
    RpcTypedData,
} from './types';

export class FunctionNotFoundError extends Error {
    override name = 'FunctionNotFoundError';
}

export interface InvokeRequest {
    inputData: RpcParameterBinding[];
    triggerMetadata?: Record<string, RpcTypedData>;
    retryContext?: RpcInvocationRequest['retryContext'];
    invocationId?: string;
    /** Why the host runs it, for the Executing/Executed lines (e.g. "New blob detected: c/x"). */
    reason?: string;
    /** Orchestrator episodes replay constantly; they log only user lines. */
    quiet?: boolean;
    /** Awaited just before the function body is entered (the azure semantics profile lines up duplicate copies here). */
    beforeFunction?: () => Promise<void>;
}

export interface InvokeOutcome {
    invocationId: string;
    response: RpcInvocationResponse;
}

/** Extra input bindings the host fills in (the durable client), by binding type. */
export type ExtraInputProvider = (
    fn: RegisteredFunction,
    bindingName: string,
    type: string,
) => RpcTypedData | undefined;

function readOnly(target: Record<string, unknown>, key: string, get: () => unknown): void {
    Object.defineProperty(target, key, {
        enumerable: true,
        get,
        set() {
            throw new Error(`Cannot assign "${key}" because it is read-only.`);
        },
    });
}

async function runHooks(
    list: ((ctx: Record<string, unknown>) => unknown)[],
    ctx: Record<string, unknown>,
): Promise<void> {
    for (const cb of list) await cb(ctx);
}

/**
 * Drives one invocation the way the worker's InvocationHandler does: the library's own
 * invocation model (getArguments, invokeFunction, getResponse) with pre/post invocation hooks.
 */
export class Invoker {
    readonly extraInputProviders: ExtraInputProvider[] = [];

    constructor(
        private readonly registry: FunctionRegistry,
        private readonly log: HostLogger,
    ) {}

    async invoke(functionId: string, req: InvokeRequest): Promise<InvokeOutcome> {
        const fn = this.registry.get(functionId);
        if (!fn) throw new FunctionNotFoundError(`Function '${functionId}' is not registered.`);
        const pm = this.registry.programmingModel;
        if (!pm) throw new FunctionNotFoundError('No programming model was set: the app registered nothing.');
        const invocationId = req.invocationId ?? randomUUID();
        const request: RpcInvocationRequest = {
            invocationId,
            functionId,
            inputData: [...req.inputData, ...this.extraInputs(fn, req.inputData)],
            triggerMetadata: req.triggerMetadata ?? {},
            traceContext: { traceParent: null, traceState: null, attributes: {} },
            retryContext: req.retryContext,
        };
        const coreCtx: CoreInvocationContext = {
            invocationId,
            request,
            metadata: fn.metadata,
            log: (level, category, message) => {
                if (category === 'user' || level === 'warning' || level === 'error' || level === 'critical') {
                    this.log.invocation(fn.id, invocationId, level, message);
                }
            },
        };
        const started = Date.now();
        if (!req.quiet)
            this.log.invocation(
                fn.id,
                invocationId,
                'information',
                `Executing 'Functions.${fn.id}' (Reason='${req.reason ?? 'invoked'}', Id=${invocationId})`,
            );
        try {
            const outcome = await this.run(fn, coreCtx, request, req.beforeFunction);
            if (!req.quiet)
                this.log.invocation(
                    fn.id,
                    invocationId,
                    'information',
                    `Executed 'Functions.${fn.id}' (Succeeded, Id=${invocationId}, Duration=${Date.now() - started}ms)`,
                );
            return outcome;
        } catch (err: unknown) {
            if (!req.quiet) {
                const message = err instanceof Error ? err.message : String(err);
                this.log.invocation(
                    fn.id,
                    invocationId,
                    'error',
                    `Executed 'Functions.${fn.id}' (Failed, Id=${invocationId}, Duration=${Date.now() - started}ms): ${message}`,
                );
            }
            throw err;
        }
    }

    private async run(
        fn: RegisteredFunction,
        coreCtx: CoreInvocationContext,
        request: RpcInvocationRequest,
        beforeFunction?: () => Promise<void>,
    ): Promise<InvokeOutcome> {
        const invocationId = request.invocationId;
        const pm = this.registry.programmingModel;
        if (!pm) throw new FunctionNotFoundError('No programming model was set: the app registered nothing.');
        const model = await pm.getInvocationModel(coreCtx);
        const args = await model.getArguments();
        const context = args.context;
        const hookData: Record<string, unknown> = {};
        const pre: Record<string, unknown> = { functionCallback: fn.callback, inputs: args.inputs };
        readOnly(pre, 'hookData', () => hookData);
        readOnly(pre, 'appHookData', () => this.registry.appHookData);
        readOnly(pre, 'invocationContext', () => context);
        coreCtx.state = 'preInvocationHooks';
        try {
            await runHooks(this.registry.hooks.preInvocation, pre);
        } finally {
            coreCtx.state = undefined;
        }
        const inputs = pre.inputs as unknown[];
        const post: Record<string, unknown> = { inputs, result: null, error: null };
        readOnly(post, 'hookData', () => hookData);
        readOnly(post, 'appHookData', () => this.registry.appHookData);
        readOnly(post, 'invocationContext', () => context);
        if (beforeFunction) await beforeFunction();
        coreCtx.state = 'invocation';
        try {
            post.result = await model.invokeFunction(context, inputs, pre.functionCallback as typeof fn.callback);
        } catch (err: unknown) {
            post.error = err;
        } finally {
            coreCtx.state = undefined;
        }
        coreCtx.state = 'postInvocationHooks';
        try {
            await runHooks(this.registry.hooks.postInvocation, post);
        } finally {
            coreCtx.state = undefined;
        }
        if (post.error !== null && post.error !== undefined) throw asError(post.error);
        return { invocationId, response: await model.getResponse(context, post.result) };
    }

    private extraInputs(fn: RegisteredFunction, given: RpcParameterBinding[]): RpcParameterBinding[] {
        const out: RpcParameterBinding[] = [];
        for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
            if (binding.direction === 'out' || name === fn.triggerName || given.some((g) => g.name === name)) continue;
            for (const provide of this.extraInputProviders) {
                const data = provide(fn, name, binding.type);
                if (data) {
                    out.push({ name, data });
                    break;
                }
            }
        }
        return out;
    }
}

/** What a function threw, as an Error (the library rethrows user values as they are). */
function asError(value: unknown): Error {
    return value instanceof Error ? value : new Error(String(value));
}
