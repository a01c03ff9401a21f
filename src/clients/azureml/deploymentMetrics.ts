/**
 * The live-check contract of an Azure ML v2 rollout: how many requests one managed online
 * deployment served in a time window, how many failed, and how long they took. The rollout reads it
 * during each bake step to judge the new deployment's error rate and latency.
 *
 * Two implementations plug in: Azure Monitor metrics in Azure, and the studio emulator's
 * per-deployment counters offline (registered by the local stack only, so it never ships).
 */

/** One deployment and a half-open time window `[fromMs, toMs)` of epoch milliseconds (UTC). */
export interface DeploymentMetricsWindow {
    /** The managed online endpoint's name. */
    endpoint: string;
    /** The deployment's name under that endpoint. */
    deployment: string;
    /** Window start, epoch milliseconds (inclusive). */
    fromMs: number;
    /** Window end, epoch milliseconds (exclusive); must be greater than `fromMs`. */
    toMs: number;
}

/**
 * Checks a window before a source reads it, as {@link DeploymentMetricsSource.read} promises.
 * @throws RangeError when the window is empty or inverted (`toMs <= fromMs`, or either is NaN).
 */
export function checkMetricsWindow(window: DeploymentMetricsWindow): void {
    if (!(window.toMs > window.fromMs))
        throw new RangeError(`the metrics window is empty or inverted (${window.fromMs} .. ${window.toMs})`);
}

/** What the deployment served in the window. */
export interface DeploymentMetrics {
    /** Scoring requests the deployment received (a count, 0 when idle). */
    requests: number;
    /** Of those, the ones that failed (HTTP 5xx, or any non-2xx where the source cannot tell them apart). */
    errors: number;
    /** Mean request latency in milliseconds; absent when no request was served (or the source has none). */
    latencyAvgInMs?: number;
    /** Largest request latency in milliseconds; absent when no request was served (or the source has none). */
    latencyMaxInMs?: number;
}

/**
 * Reads a deployment's metrics for a window. Implementations are stateless per call and safe to
 * call concurrently; a source is built once per target and cached.
 */
export interface DeploymentMetricsSource {
    /**
     * @returns the deployment's counts for the window (zeros when it served nothing).
     * @throws RangeError when the window is empty or inverted (`toMs <= fromMs`).
     * @throws an Error (a service error of the source) when the metrics cannot be read; the caller
     *   treats it as a failed read, never as zero traffic.
     */
    read(window: DeploymentMetricsWindow, options?: { abortSignal?: AbortSignal }): Promise<DeploymentMetrics>;
}
