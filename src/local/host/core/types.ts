/**
 * The slice of the worker's `@azure/functions-core` contract the dev host implements. The real
 * typings live in azure-functions-nodejs-library `types-core` and are not published on npm.
 */

export interface RpcHttpData {
    method?: string;
    url?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    params?: Record<string, string>;
    body?: RpcTypedData | null;
    statusCode?: string;
    cookies?: unknown[];
    enableContentNegotiation?: boolean;
}

/** Exactly one field is set, as in the worker's RPC TypedData. */
export interface RpcTypedData {
    string?: string | null;
    json?: string | null;
    bytes?: Uint8Array | null;
    stream?: Uint8Array | null;
    http?: RpcHttpData | null;
    int?: number | null;
    double?: number | null;
}

export interface RpcBindingInfo {
    type: string;
    direction: 'in' | 'out' | 'inout';
    dataType?: string;
    properties?: Record<string, string>;
    [option: string]: unknown;
}

export interface CoreFunctionMetadata {
    name: string;
    functionId?: string;
    bindings: Record<string, RpcBindingInfo>;
    retryOptions?: Record<string, unknown>;
}

/** What the worker keeps per function after its own enrichment (rawBindings is what the host reads). */
export interface CapturedMetadata extends CoreFunctionMetadata {
    functionId: string;
    rawBindings: string[];
    scriptFile: string;
    directory?: string;
}

export interface RpcParameterBinding {
    name: string;
    data?: RpcTypedData | null;
}

export interface RpcInvocationRequest {
    invocationId: string;
    functionId: string;
    inputData: RpcParameterBinding[];
    triggerMetadata: Record<string, RpcTypedData>;
    traceContext: { traceParent: string | null; traceState: string | null; attributes: Record<string, string> };
    retryContext?: { retryCount: number; maxRetryCount: number; exception?: { message?: string } };
}

export interface RpcInvocationResponse {
    invocationId?: string;
    outputData?: RpcParameterBinding[];
    returnValue?: RpcTypedData | null;
}

export type CoreLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

export interface CoreInvocationContext {
    invocationId: string;
    request: RpcInvocationRequest;
    metadata: CapturedMetadata;
    state?: 'preInvocationHooks' | 'postInvocationHooks' | 'invocation';
    log(level: CoreLogLevel, category: string, message: string): void;
}

export interface InvocationArguments {
    context: unknown;
    inputs: unknown[];
}

export interface InvocationModel {
    getArguments(): Promise<InvocationArguments>;
    invokeFunction(context: unknown, inputs: unknown[], callback: FunctionCallback): Promise<unknown>;
    getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
    name: string;
    version: string;
    getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel | Promise<InvocationModel>;
    getCapabilities(capabilities: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;
