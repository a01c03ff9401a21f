import { ActionType } from './history';

export interface RetryOptionsJson {
    firstRetryIntervalInMilliseconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient?: number;
    maxRetryIntervalInMilliseconds?: number;
    retryTimeoutInMilliseconds?: number;
}

/** An atomic action of an OrchestratorState (compound WhenAll/WhenAny are flattened away). */
export interface OrchestratorAction {
    actionType: ActionType;
    functionName?: string;
    instanceId?: string;
    input?: unknown;
    retryOptions?: RetryOptionsJson;
    fireAt?: string;
    isCanceled?: boolean;
    reason?: string;
    compoundActions?: OrchestratorAction[];
}

export interface OrchestratorState {
    isDone: boolean;
    actions: unknown[];
    output?: unknown;
    error?: string;
    customStatus?: unknown;
    schemaVersion?: number;
}

/**
 * Actions are cumulative since the start of the execution; the host schedules only the tail. V1
 * (schemaVersion 0) is an array of arrays; V2+ one inner array holding nested compound actions.
 */
export function flattenActions(state: OrchestratorState): OrchestratorAction[] {
    const out: OrchestratorAction[] = [];
    const visit = (a: unknown): void => {
        if (Array.isArray(a)) {
            for (const x of a) visit(x);
            return;
        }
        const action = a as OrchestratorAction;
        if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
            for (const x of action.compoundActions ?? []) visit(x);
        } else {
            out.push(action);
        }
    };
    visit(state.schemaVersion === 0 ? state.actions : (state.actions[0] ?? []));
    return out;
}

/**
 * JSON text of an activity / continue-as-new input: the SDK already JSON-encodes string inputs
 * (Utils.processInput) and leaves other values raw.
 */
export function processedInputJson(input: unknown): string | null {
    if (input === undefined) return null;
    return typeof input === 'string' ? input : JSON.stringify(input);
}

/** Sub-orchestration inputs are passed raw by the SDK. */
export function rawInputJson(input: unknown): string {
    return JSON.stringify(input === undefined ? null : input);
}

/** DTFx RetryInterceptor: first interval times coefficient^(attempt-1), capped. */
export function retryDelayMs(options: RetryOptionsJson, attempt: number): number {
    let delay = options.firstRetryIntervalInMilliseconds * Math.pow(options.backoffCoefficient ?? 1, attempt - 1);
    if (options.maxRetryIntervalInMilliseconds) delay = Math.min(delay, options.maxRetryIntervalInMilliseconds);
    return Math.max(0, delay);
}
