import { z } from 'zod';

export const OPERATIONS = [
    'submitJob',
    'startJob',
    'getJobStatus',
    'cancelJob',
    'execute',
    'listWebServices',
    'getWebService',
    'listEndpoints',
    'getEndpoint',
    'addEndpoint',
    'patchEndpoint',
    'deleteEndpoint',
    'armGet',
    'armPut',
    'armPatch',
    'armDelete',
    'armOperation',
    'armListKeys',
    'v2Job',
    'v2Model',
    'v2Endpoint',
    'v2Deployment',
    'v2Operation',
    'v2ListKeys',
    'v2Score',
] as const;
export type Operation = (typeof OPERATIONS)[number];

const httpFault = z.strictObject({
    operation: z.union([z.enum(OPERATIONS), z.literal('*')]).default('*'),
    status: z.union([z.literal(429), z.literal(500), z.literal(503), z.literal(504)]).optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    delayInMs: z.number().int().nonnegative().max(600_000).optional(),
    times: z.number().int().positive().optional(),
});

export const faultsSchema = z.strictObject({
    http: z.array(httpFault).default([]),
    jobDurationInMs: z.number().int().nonnegative().optional(),
    jobFailure: z.string().min(1).optional(),
    jobNeverFinishes: z.boolean().optional(),
    armOperationDurationInMs: z.number().int().nonnegative().optional(),
    armOperationFails: z.string().min(1).optional(),
    patchPropagationDelayInMs: z.number().int().nonnegative().optional(),
    /** Azure ML v2: how long an endpoint/deployment operation stays InProgress, and a failure it ends with. */
    v2OperationDurationInMs: z.number().int().nonnegative().optional(),
    v2OperationFails: z.string().min(1).optional(),
    /** Azure ML v2 scoring, per deployment (`{endpoint}/{deployment}`) or endpoint: answer 500 / add latency. */
    scoringFails: z.string().min(1).optional(),
    scoringDelayInMs: z.number().int().nonnegative().max(600_000).optional(),
});

export type Faults = z.input<typeof faultsSchema>;
type ParsedFaults = z.output<typeof faultsSchema>;
type Behaviour = Omit<ParsedFaults, 'http'>;

export interface HttpFaultHit {
    status?: number;
    retryAfterSeconds?: number;
    delayInMs?: number;
}

/**
 * Faults per scope (a service id, a classic web service id, an ARM web service name, or `*`).
 * An HTTP fault with `times` is used up by that many matching calls.
 */
export class FaultRegistry {
    private readonly scopes = new Map<
        string,
        { http: (ParsedFaults['http'][number] & { left?: number })[]; behaviour: Behaviour }
    >();

    set(scope: string, faults: Faults): void {
        const parsed = faultsSchema.parse(faults);
        const { http, ...behaviour } = parsed;
        this.scopes.set(scope, { http: http.map((h) => ({ ...h, left: h.times })), behaviour });
    }

    clear(scope?: string): void {
        if (scope === undefined) this.scopes.clear();
        else this.scopes.delete(scope);
    }

    /** The first live HTTP fault for this call, consuming one of its `times`. */
    takeHttpFault(scopes: readonly string[], operation: Operation): HttpFaultHit | undefined {
        for (const scope of [...scopes, '*']) {
            for (const fault of this.scopes.get(scope)?.http ?? []) {
                if (fault.operation !== '*' && fault.operation !== operation) continue;
                if (fault.left !== undefined) {
                    if (fault.left <= 0) continue;
                    fault.left -= 1;
                }
                return { status: fault.status, retryAfterSeconds: fault.retryAfterSeconds, delayInMs: fault.delayInMs };
            }
        }
        return undefined;
    }

    /** A behaviour setting, the most specific scope first. */
    behaviour<K extends keyof Behaviour>(scopes: readonly string[], key: K): Behaviour[K] | undefined {
        for (const scope of [...scopes, '*']) {
            const value = this.scopes.get(scope)?.behaviour[key];
            if (value !== undefined) return value;
        }
        return undefined;
    }
}

/** Call counters for tests: per operation, and per scope and operation. */
export class Stats {
    private readonly operations: Record<string, number> = {};
    private readonly byScope: Record<string, Record<string, number>> = {};

    count(scope: string, operation: Operation): void {
        this.operations[operation] = (this.operations[operation] ?? 0) + 1;
        const s = (this.byScope[scope] ??= {});
        s[operation] = (s[operation] ?? 0) + 1;
    }

    snapshot(): { operations: Record<string, number>; byScope: Record<string, Record<string, number>> } {
        return structuredClone({ operations: this.operations, byScope: this.byScope });
    }
}
