import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { MetricsClient, type Metric } from '@azure/monitor-query-metrics';

import type { AzureMlWorkspaceRef } from './azureMlClient';
import {
    checkMetricsWindow,
    type DeploymentMetrics,
    type DeploymentMetricsSource,
    type DeploymentMetricsWindow,
} from './deploymentMetrics';
import { AzureMlError, toAzureMlError } from './errors';

/**
 * The metric namespace and names of a managed online endpoint, from Microsoft Learn, "Supported
 * metrics for Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
 * (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-machinelearningservices-workspaces-onlineendpoints-metrics,
 * reached from "Monitor online endpoints", https://learn.microsoft.com/azure/machine-learning/how-to-monitor-online-endpoints):
 * - `RequestsPerMinute` (Count, PT1M): "The number of requests sent to online endpoint within a
 *   minute", dimensions `deployment`, `statusCode`, `statusCodeClass`, `modelStatusCode`;
 * - `RequestLatency` (Milliseconds, PT1M): "The average complete interval of time taken for a
 *   request to be responded in milliseconds", dimension `deployment`.
 * They are endpoint metrics split by the `deployment` dimension: the deployment resource itself
 * carries only CPU, memory, disk and capacity metrics.
 */
export const ONLINE_ENDPOINT_METRICS = {
    namespace: 'Microsoft.MachineLearningServices/workspaces/onlineEndpoints',
    requests: 'RequestsPerMinute',
    latency: 'RequestLatency',
    deploymentDimension: 'deployment',
    statusClassDimension: 'statusCodeClass',
} as const;

/** Azure public cloud's token audience for the metrics batch API (the SDK's default). */
const DEFAULT_AUDIENCE = 'https://management.azure.com';

/** Options of {@link AzureMonitorDeploymentMetrics}. */
export interface AzureMonitorDeploymentMetricsOptions {
    /**
     * The regional metrics endpoint of the workspace's region, `https://{region}.metrics.monitor.azure.com`
     * (the batch API is regional: it answers only for resources in its region).
     */
    endpoint: string;
    /** Token audience (default `https://management.azure.com`; sovereign clouds differ). */
    audience?: string;
    /** Extra pipeline policies (tests record requests with one). */
    additionalPolicies?: PipelinePolicy[];
    /** Retries of the SDK's pipeline (default: the SDK's, 3). */
    maxRetries?: number;
}

/**
 * Bearer tokens over plain HTTP to a loopback server only (a local test stand-in for Azure
 * Monitor): the SDK's own policy refuses non-TLS URLs, which is right for everything else.
 */
function loopbackBearerPolicy(credential: TokenCredential, scope: string): PipelinePolicy {
    return {
        name: 'loopbackBearerPolicy',
        async sendRequest(request, next) {
            const url = new URL(request.url);
            if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
                throw new Error('Plain-HTTP bearer tokens are only sent to a loopback server.');
            }
            const token = await credential.getToken(scope, { abortSignal: request.abortSignal });
            if (!token) throw new Error('The credential returned no token.');
            request.headers.set('Authorization', `Bearer ${token.token}`);
            request.allowInsecureConnection = true;
            return next(request);
        },
    };
}

/** An OData string literal: a quote inside is doubled. */
function literal(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
}

/** Names as the SDK hands them back: it prefers a name's `localizedValue` ("Requests Per Minute"). */
function sameName(a: string | undefined, b: string): boolean {
    return a !== undefined && a.replace(/\s+/g, '').toLowerCase() === b.toLowerCase();
}

function metricOf(results: { metrics: Metric[] }[], name: string): Metric {
    // The id ends in `/providers/Microsoft.Insights/metrics/{name}`; the SDK's `name` is the localized one.
    const metric = results
        .flatMap((r) => r.metrics)
        .find((m) => m.id?.toLowerCase().endsWith(`/${name.toLowerCase()}`) || sameName(m.name, name));
    if (!metric) throw new AzureMlError(`Azure Monitor returned no '${name}' metric`, undefined, undefined, false);
    if (metric.errorCode && metric.errorCode !== 'Success') {
        throw new AzureMlError(
            `Azure Monitor could not read '${name}': ${metric.errorCode}${metric.errorMessage ? ` ${metric.errorMessage}` : ''}`,
            undefined,
            metric.errorCode,
            false,
        );
    }
    return metric;
}

/**
 * A deployment's live metrics from Azure Monitor, through `@azure/monitor-query-metrics` (the
 * metrics batch API, `POST {endpoint}/subscriptions/{s}/metrics:getBatch`, api-version 2024-02-01).
 * Two queries per read, on the endpoint resource at one-minute grain over the window: the
 * `RequestsPerMinute` totals of the deployment split by `statusCodeClass` (requests = all classes,
 * errors = `5xx`), and the deployment's `RequestLatency` average and maximum. Latency over the
 * window is the per-minute average weighted by that minute's requests; its maximum is the largest
 * value Azure Monitor reports for a minute (the service emits per-minute averages, so it is not
 * the slowest single request). Azure Monitor floors the window to whole minutes and its data lags
 * by a few minutes, so a bake should be minutes long.
 *
 * Errors: an AzureMlError naming the metric or the HTTP status (never the token).
 */
export class AzureMonitorDeploymentMetrics implements DeploymentMetricsSource {
    readonly client: MetricsClient;
    private readonly endpointId: (endpoint: string) => string;

    constructor(
        workspace: AzureMlWorkspaceRef,
        credential: TokenCredential,
        options: AzureMonitorDeploymentMetricsOptions,
    ) {
        const endpoint = options.endpoint.replace(/\/+$/, '');
        const audience = (options.audience ?? DEFAULT_AUDIENCE).replace(/\/+$/, '');
        this.client = new MetricsClient(endpoint, credential, {
            audience: `${audience}/.default`,
            retryOptions: options.maxRetries === undefined ? undefined : { maxRetries: options.maxRetries },
        });
        if (endpoint.startsWith('http:')) {
            this.client.pipeline.removePolicy({ name: 'bearerTokenAuthenticationPolicy' });
            this.client.pipeline.addPolicy(loopbackBearerPolicy(credential, `${audience}/.default`));
        }
        for (const p of options.additionalPolicies ?? []) this.client.pipeline.addPolicy(p, { afterPhase: 'Retry' });
        const base =
            `/subscriptions/${workspace.subscriptionId}/resourceGroups/${workspace.resourceGroup}` +
            `/providers/Microsoft.MachineLearningServices/workspaces/${workspace.workspace}/onlineEndpoints/`;
        this.endpointId = (name) => `${base}${name}`;
    }

    async read(
        window: DeploymentMetricsWindow,
        options: { abortSignal?: AbortSignal } = {},
    ): Promise<DeploymentMetrics> {
        checkMetricsWindow(window);
        const resource = [this.endpointId(window.endpoint)];
        const m = ONLINE_ENDPOINT_METRICS;
        const common = {
            startTime: new Date(window.fromMs),
            endTime: new Date(window.toMs),
            interval: 'PT1M',
            // Not in MetricsQueryResourcesOptions' type, but the SDK passes the options on to its
            // request, whose abortSignal cancels the call.
            abortSignal: options.abortSignal,
        };
        const query = (metric: string, aggregation: string, filter: string): Promise<{ metrics: Metric[] }[]> =>
            this.client.queryResources(resource, [metric], m.namespace, {
                ...common,
                aggregation,
                filter,
            });
        const deployment = `${m.deploymentDimension} eq ${literal(window.deployment)}`;
        let counted: Metric;
        let timed: Metric;
        try {
            // One after the other: a bake reads rarely, and two calls at once only race each other's retries.
            counted = metricOf(
                await query(m.requests, 'total', `${deployment} and ${m.statusClassDimension} eq '*'`),
                m.requests,
            );
            timed = metricOf(await query(m.latency, 'average,maximum', deployment), m.latency);
        } catch (err) {
            throw toAzureMlError('metrics query', err);
        }

        let requests = 0;
        let errors = 0;
        const perMinute = new Map<number, number>();
        for (const series of counted.timeseries) {
            const statusClass = series.metadatavalues?.find((v) => sameName(v.name, m.statusClassDimension))?.value;
            for (const point of series.data ?? []) {
                const n = point.total ?? 0;
                requests += n;
                if (statusClass?.startsWith('5')) errors += n;
                const at = new Date(point.timeStamp).getTime();
                perMinute.set(at, (perMinute.get(at) ?? 0) + n);
            }
        }

        let weighted = 0;
        let weight = 0;
        const averages: number[] = [];
        let max: number | undefined;
        for (const series of timed.timeseries) {
            for (const point of series.data ?? []) {
                if (point.average !== undefined) {
                    averages.push(point.average);
                    const n = perMinute.get(new Date(point.timeStamp).getTime()) ?? 0;
                    weighted += point.average * n;
                    weight += n;
                }
                const top = point.maximum ?? point.average;
                if (top !== undefined) max = Math.max(max ?? top, top);
            }
        }
        const result: DeploymentMetrics = { requests, errors };
        if (averages.length > 0)
            result.latencyAvgInMs =
                weight > 0 ? weighted / weight : averages.reduce((a, b) => a + b, 0) / averages.length;
        if (max !== undefined) result.latencyMaxInMs = max;
        return result;
    }
}
