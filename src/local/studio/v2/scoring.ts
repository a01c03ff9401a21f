import { timingSafeEqual } from 'node:crypto';

import type { StudioContext } from '../context';
import { StudioError } from '../errors';
import { Route, StudioRequest, json, route } from '../http';
import { TrainingError, scoreTable } from '../training';
import { Json, V2Errors, v2State, workspaceKey } from './common';
import { deploymentKey, deploymentsOf, endpointKey } from './endpoints';
import type { V2DeploymentRecord, V2EndpointRecord } from './state';

/** Cumulative counters of one deployment, as Azure Monitor's RequestsPerMinute and RequestLatency count them. */
export interface DeploymentCounters {
    requests: number;
    /** Answers with status >= 500 (the deployment's errors; 4xx are the caller's). */
    errors: number;
    clientErrors: number;
    latencySumInMs: number;
    latencyMaxInMs: number;
}

/**
 * Picks deployments by traffic weight with smooth weighted round robin (the nginx algorithm): over
 * every 100 requests each deployment gets exactly its percentage, spread evenly, so tests of the
 * split are exact rather than statistical.
 */
class WeightedRouter {
    private readonly current = new Map<string, Map<string, number>>();

    pick(endpoint: string, traffic: Record<string, number>): string | undefined {
        const weights = Object.entries(traffic).filter(([, w]) => w > 0);
        if (weights.length === 0) return undefined;
        const state = this.current.get(endpoint) ?? new Map<string, number>();
        this.current.set(endpoint, state);
        const total = weights.reduce((a, [, w]) => a + w, 0);
        let best: string | undefined;
        for (const [name, w] of weights) {
            const v = (state.get(name) ?? 0) + w;
            state.set(name, v);
            if (best === undefined || v > state.get(best)!) best = name;
        }
        state.set(best!, state.get(best!)! - total);
        return best;
    }
}

/** One answered scoring call, for windowed reads. */
interface ScoringSample {
    atMs: number;
    status: number;
    latencyInMs: number;
}

/** A deployment's counts over a window, as `GET .../metrics?from=&to=` answers them. */
export interface WindowedCounters extends DeploymentCounters {
    fromMs: number;
    toMs: number;
    /** True when calls of the window were already pushed out of the bounded ring: the counts are a lower bound. */
    truncated: boolean;
}

/** The last `capacity` answered calls of one deployment, oldest overwritten first. */
class SampleRing {
    private readonly items: ScoringSample[] = [];
    private next = 0;
    /** The time of the newest call pushed out, -Infinity while none was. */
    newestDroppedAtMs = -Infinity;

    constructor(private readonly capacity: number) {}

    push(sample: ScoringSample): void {
        if (this.items.length < this.capacity) {
            this.items.push(sample);
            return;
        }
        this.newestDroppedAtMs = Math.max(this.newestDroppedAtMs, this.items[this.next].atMs);
        this.items[this.next] = sample;
        this.next = (this.next + 1) % this.capacity;
    }

    *all(): Iterable<ScoringSample> {
        yield* this.items;
    }
}

/** Calls kept per deployment for windowed reads (a bake of 10 minutes at 15 calls a second) **(choice)**. */
export const SCORING_RING_CAPACITY = 10_000;

/**
 * Per-deployment counters: cumulative since the emulator started, and a bounded ring of the last
 * calls (time, status, latency) so a window `[fromMs, toMs)` can be counted, as Azure Monitor
 * counts `RequestsPerMinute` and `RequestLatency` for a time span.
 */
export class ScoringCounters {
    private readonly byDeployment = new Map<string, DeploymentCounters>();
    private readonly rings = new Map<string, SampleRing>();
    readonly router = new WeightedRouter();

    constructor(private readonly ringCapacity = SCORING_RING_CAPACITY) {
        if (!(ringCapacity >= 1)) throw new RangeError('the scoring ring needs room for at least one call');
    }

    /** Counts one answered call; `atMs` is when it was answered (epoch ms, the emulator's clock). */
    record(deployment: string, status: number, latencyInMs: number, atMs: number): void {
        const c = this.get(deployment);
        add(c, status, latencyInMs);
        let ring = this.rings.get(deployment);
        if (!ring) {
            ring = new SampleRing(this.ringCapacity);
            this.rings.set(deployment, ring);
        }
        ring.push({ atMs, status, latencyInMs });
    }

    get(deployment: string): DeploymentCounters {
        let c = this.byDeployment.get(deployment);
        if (!c) {
            c = zero();
            this.byDeployment.set(deployment, c);
        }
        return c;
    }

    /** The calls answered in `[fromMs, toMs)`. */
    window(deployment: string, fromMs: number, toMs: number): WindowedCounters {
        const c = zero();
        const ring = this.rings.get(deployment);
        for (const s of ring?.all() ?? []) if (s.atMs >= fromMs && s.atMs < toMs) add(c, s.status, s.latencyInMs);
        return { ...c, fromMs, toMs, truncated: (ring?.newestDroppedAtMs ?? -Infinity) >= fromMs };
    }
}

function zero(): DeploymentCounters {
    return { requests: 0, errors: 0, clientErrors: 0, latencySumInMs: 0, latencyMaxInMs: 0 };
}

function add(c: DeploymentCounters, status: number, latencyInMs: number): void {
    c.requests += 1;
    if (status >= 500) c.errors += 1;
    else if (status >= 400) c.clientErrors += 1;
    c.latencySumInMs += latencyInMs;
    c.latencyMaxInMs = Math.max(c.latencyMaxInMs, latencyInMs);
}

/** `from`/`to` of a windowed read: both or neither, epoch milliseconds, `to` after `from`. */
function windowOf(query: URLSearchParams): { fromMs: number; toMs: number } | undefined {
    const from = query.get('from');
    const to = query.get('to');
    if (from === null && to === null) return undefined;
    const problems: string[] = [];
    const parse = (name: string, value: string | null): number => {
        if (value === null || !/^\d{1,16}$/.test(value)) {
            problems.push(`'${name}' must be epoch milliseconds (digits)`);
            return NaN;
        }
        return Number(value);
    };
    const fromMs = parse('from', from);
    const toMs = parse('to', to);
    if (problems.length === 0 && !(toMs > fromMs)) problems.push("'to' must be after 'from'");
    if (problems.length > 0) throw new StudioError(400, 'BadRequest', `Bad metrics window: ${problems.join('; ')}.`);
    return { fromMs, toMs };
}

function same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}

function endpointOf(ctx: StudioContext, req: StudioRequest): V2EndpointRecord {
    const w = { key: workspaceKey(req.params.subscriptionId, req.params.resourceGroupName, req.params.workspaceName) };
    const e = v2State(ctx).endpoints[endpointKey(w, req.params.endpointName)];
    if (!e || (e.resource.properties as Json).provisioningState === 'Creating') {
        throw new StudioError(404, 'NotFound', `Online endpoint '${req.params.endpointName}' was not found.`);
    }
    return e;
}

/** `{"input_data": {"columns": [...], "data": [[...], ...]}}` (the MLflow split layout managed endpoints document). */
function parseInput(body: unknown): { columns: string[]; data: string[][] } {
    const input = (body as { input_data?: { columns?: unknown; data?: unknown } } | undefined)?.input_data;
    const columns = input?.columns;
    const data = input?.data;
    if (
        !Array.isArray(columns) ||
        !columns.every((c) => typeof c === 'string') ||
        !Array.isArray(data) ||
        !data.every(Array.isArray)
    ) {
        throw new StudioError(
            400,
            'BadRequest',
            'The body must be {"input_data": {"columns": [names], "data": [[values], ...]}}.',
        );
    }
    return { columns: columns, data: (data as unknown[][]).map((r) => r.map((v) => String(v))) };
}

/**
 * Scoring at an endpoint's scoring URI, authorized by one of its keys. The deployment is the one
 * the `azureml-model-deployment` header names (any deployment, whatever its traffic), or else one
 * picked by the traffic weights; the answer names it in the same header. Each answer counts
 * towards that deployment's counters.
 */
export function scoringRoutes(counters: ScoringCounters): Route[] {
    return [
        route('POST', '/inference/:subscriptionId/:resourceGroupName/:workspaceName/:endpointName/score', {
            auth: 'none',
            apiVersion: 'none',
            operation: 'v2Score',
            scopes: (req) => {
                const header = req.headers['azureml-model-deployment'];
                const d = typeof header === 'string' ? [`${req.params.endpointName}/${header}`] : [];
                return [...d, req.params.endpointName, req.params.workspaceName];
            },
            handle: async (ctx, req) => {
                const e = endpointOf(ctx, req);
                const auth = req.headers.authorization;
                const token = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim())?.[1] : undefined;
                if (!token || !(same(token, e.keys.primaryKey) || same(token, e.keys.secondaryKey))) {
                    throw new StudioError(
                        401,
                        'Unauthorized',
                        'The request is not authorized: the endpoint key is missing or wrong.',
                    );
                }
                const header = req.headers['azureml-model-deployment'];
                let d: V2DeploymentRecord | undefined;
                if (typeof header === 'string' && header) {
                    d = v2State(ctx).deployments[deploymentKey(e.key, header)];
                    if (!d)
                        throw new StudioError(
                            404,
                            'NotFound',
                            `Deployment '${header}' was not found for this endpoint.`,
                        );
                } else {
                    const name = counters.router.pick(
                        e.key,
                        ((e.resource.properties as Json).traffic ?? {}) as Record<string, number>,
                    );
                    d =
                        name === undefined
                            ? undefined
                            : deploymentsOf(ctx, e.key).find(
                                  (x) => String(x.resource.name).toLowerCase() === name.toLowerCase(),
                              );
                    if (!d) {
                        // The service's own words (https://github.com/microsoft/semantic-kernel/issues/9085).
                        throw new StudioError(
                            404,
                            'NotFound',
                            'No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.',
                        );
                    }
                }
                const name = String(d.resource.name);
                const started = Date.now();
                const scopes = [`${String(e.resource.name)}/${name}`, String(e.resource.name)];
                const answer = async (): Promise<{ status: number; body: unknown }> => {
                    const delay = ctx.faults.behaviour(scopes, 'scoringDelayInMs');
                    if (delay) await ctx.sleep(delay);
                    const fails = ctx.faults.behaviour(scopes, 'scoringFails');
                    if (fails) return { status: 500, body: { error: { code: 'InternalServerError', message: fails } } };
                    if (!d.modelSha256)
                        return {
                            status: 503,
                            body: {
                                error: { code: 'ServiceUnavailable', message: `Deployment '${name}' is not ready.` },
                            },
                        };
                    try {
                        const input = parseInput(req.body);
                        const table = scoreTable(await ctx.loadModel(d.modelSha256), input.columns, input.data);
                        const scored = table.ColumnNames.slice(input.columns.length);
                        const rows = table.Values.map((row) =>
                            Object.fromEntries(
                                scored.map((c, i) => {
                                    const v = row[input.columns.length + i];
                                    return [
                                        c,
                                        table.ColumnTypes[input.columns.length + i] === 'Double' ? Number(v) : v,
                                    ];
                                }),
                            ),
                        );
                        return { status: 200, body: rows };
                    } catch (err) {
                        if (err instanceof StudioError) return { status: err.status, body: err.body() };
                        if (err instanceof TrainingError)
                            return { status: 400, body: { error: { code: err.code, message: err.message } } };
                        throw err;
                    }
                };
                const result = await answer();
                counters.record(d.key, result.status, Date.now() - started, ctx.now().getTime());
                return json(result.status, result.body, { 'azureml-model-deployment': name });
            },
        }),
        route(
            'GET',
            '/_studio/azureml/:subscriptionId/:resourceGroupName/:workspaceName/onlineEndpoints/:endpointName/deployments/:deploymentName/metrics',
            {
                // Tests read with the admin key; the offline live-metrics source with the target's
                // ARM token, as Azure Monitor is read with the identity of the ARM calls.
                auth: 'adminOrArm',
                apiVersion: 'none',
                scopes: () => [],
                handle: (ctx, req) => {
                    const w = {
                        key: workspaceKey(
                            req.params.subscriptionId,
                            req.params.resourceGroupName,
                            req.params.workspaceName,
                        ),
                    };
                    const key = deploymentKey(endpointKey(w, req.params.endpointName), req.params.deploymentName);
                    if (!v2State(ctx).deployments[key])
                        throw V2Errors.notFound(`Online deployment '${req.params.deploymentName}'`);
                    const window = windowOf(req.query);
                    return Promise.resolve(
                        json(200, window ? counters.window(key, window.fromMs, window.toMs) : counters.get(key)),
                    );
                },
            },
        ),
    ];
}
