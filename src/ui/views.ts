import type { RunRecord } from '../orchestrators/contracts';
import type { TargetConfig } from '../retraining/configSchema';
import { lateCancelNote } from '../retraining/lateCancel';
import { canonicalMetricName, configuredMetricNames, defaultDirection, metricLabels } from '../retraining/metricNames';
import type { Champion } from '../retraining/runStore';
import {
    UNVERIFIED_MODEL_RECENT_RUNS,
    UnverifiedModel,
    unverifiedModel,
    unverifiedModelNote,
} from '../retraining/unverifiedModel';

/** What the status page's list shows of one target, refreshed every few seconds (kept small). */
export interface TargetSummary {
    name: string;
    update: string;
    champion: { runId: string; promotedAt: string; metrics: Record<string, number> } | null;
    lastRun: { runId: string; state: string; reason?: string; endedAt?: string } | null;
    /** The run whose model the endpoint may be serving unverified (its rollback failed), else null. */
    unverifiedModel: UnverifiedWarning | null;
    inFlight: {
        runtimeStatus: string;
        step: string | null;
        since: string | null;
        /** Set while the run waits for approval: when the timeout decides. */
        until: string | null;
        /** Set while the run waits for approval: what the timeout decides (the target's `approval.onTimeout`). */
        onTimeout: 'approve' | 'reject' | null;
        runId: string | null;
        /**
         * Set while the run waits for approval: its metrics and the champion's, as judged, with each
         * metric's name for people (`metricLabels`: key -> the config's name, as `retrainer status` shows it).
         */
        judged: (JudgedMetrics & { metricLabels: Record<string, string> }) | null;
    } | null;
}

/**
 * `unverifiedModel` (src/retraining/unverifiedModel.ts, as GET /api/targets answers it) with
 * `note`, the warning in `retrainer status`'s words, so the page and the CLI say the same.
 */
export type UnverifiedWarning = UnverifiedModel & { note: string };

/**
 * The warning for a target's newest runs (newest first; only the first
 * `UNVERIFIED_MODEL_RECENT_RUNS` are read, as GET /api/targets reads them), else null.
 */
export function unverifiedWarning(newestFirst: readonly RunRecord[]): UnverifiedWarning | null {
    const u = unverifiedModel(newestFirst.slice(0, UNVERIFIED_MODEL_RECENT_RUNS));
    return u ? { ...u, note: unverifiedModelNote(u) } : null;
}

/** A waiting run's metrics beside the champion's (null: no champion yet); see `CustomStatus.judged`. */
export interface JudgedMetrics {
    metrics: Record<string, number>;
    champion: { runId: string; metrics: Record<string, number> } | null;
}

/** The live part of a target: its instance's runtime status and custom status, if a run is in flight. */
export interface LiveRun {
    runtimeStatus: string;
    customStatus: unknown;
}

/**
 * One target's line of the summary.
 * @param newestFirst - the target's newest runs, newest first: the first is its last run, and the
 * first `UNVERIFIED_MODEL_RECENT_RUNS` decide `unverifiedModel`
 */
export function targetSummary(
    target: TargetConfig,
    champion: Champion | undefined,
    newestFirst: readonly RunRecord[],
    live: LiveRun | undefined,
): TargetSummary {
    const last = newestFirst.at(0);
    const custom = live?.customStatus;
    const status = typeof custom === 'object' && custom !== null ? (custom as Record<string, unknown>) : null;
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    return {
        name: target.name,
        update: target.update.kind,
        champion: champion
            ? { runId: champion.runId, promotedAt: champion.promotedAt, metrics: champion.metrics }
            : null,
        lastRun: last
            ? {
                  runId: last.runId,
                  state: last.state,
                  ...(last.reason ? { reason: last.reason } : {}),
                  ...(endedAt(last) ? { endedAt: endedAt(last) } : {}),
              }
            : null,
        unverifiedModel: unverifiedWarning(newestFirst),
        inFlight: live
            ? {
                  runtimeStatus: live.runtimeStatus,
                  step: text(status?.step),
                  since: text(status?.since),
                  until: text(status?.until),
                  onTimeout: text(status?.until) ? (target.approval?.onTimeout ?? 'reject') : null,
                  runId: text(status?.runId),
                  judged: labelled(target, judgedOf(status?.judged)),
              }
            : null,
    };
}

/** `judged` with the names its metrics have for people; the browser has no copy of the naming rules. */
function labelled(
    target: TargetConfig,
    judged: JudgedMetrics | null,
): (JudgedMetrics & { metricLabels: Record<string, string> }) | null {
    if (!judged) return null;
    const keys = new Set([...Object.keys(judged.metrics), ...Object.keys(judged.champion?.metrics ?? {})]);
    return { ...judged, metricLabels: metricLabels(keys, configuredMetricNames(target.gate)) };
}

/** Reads `judged` from a custom status defensively: it is whatever the instance last set. */
function judgedOf(raw: unknown): JudgedMetrics | null {
    const numbers = (v: unknown): Record<string, number> | null =>
        typeof v === 'object' && v !== null && Object.values(v).every((n) => typeof n === 'number')
            ? (v as Record<string, number>)
            : null;
    if (typeof raw !== 'object' || raw === null) return null;
    const { metrics, champion } = raw as { metrics?: unknown; champion?: unknown };
    const own = numbers(metrics);
    if (!own) return null;
    const c = typeof champion === 'object' && champion !== null ? (champion as Record<string, unknown>) : null;
    const theirs = c && typeof c.runId === 'string' ? numbers(c.metrics) : null;
    return { metrics: own, champion: c && theirs ? { runId: String(c.runId), metrics: theirs } : null };
}

function endedAt(run: RunRecord): string | undefined {
    return run.timings.done ?? run.timings.recording;
}

/** One gate metric's rule, as the chart draws it: a threshold band and which way is better. */
export interface MetricRule {
    /** As the config names it (`AUC`). */
    metric: string;
    /** The key of the metric in run records (`auc`). */
    key: string;
    higherIsBetter: boolean;
    threshold?: number;
}

/** A run as a point of the metric chart. */
export interface RunPoint {
    runId: string;
    state: string;
    endedAt?: string;
    metrics: Record<string, number>;
    reason?: string;
    /** The approval step's outcome in words (`approve by ana`, `timeout: rejected`), when it had one. */
    approval?: string;
}

/** The per-target page: the gate's metrics, every judged run as a point, the champion lineage. */
export interface TargetHistory {
    name: string;
    metrics: MetricRule[];
    /** Oldest first. */
    runs: RunPoint[];
    champion: { runId: string; lineage: string[] } | null;
    /** The run whose model the endpoint may be serving unverified (its rollback failed), else null. */
    unverifiedModel: UnverifiedWarning | null;
}

/** Builds the per-target history from newest-first run records (as the run store lists them). */
export function targetHistory(
    target: TargetConfig,
    newestFirst: RunRecord[],
    champion: Champion | undefined,
): TargetHistory {
    const rules = new Map<string, MetricRule>();
    const higher = (metric: string, given?: string): boolean =>
        (given ?? defaultDirection(metric) ?? 'higherIsBetter') === 'higherIsBetter';
    for (const t of target.gate.thresholds) {
        const key = canonicalMetricName(t.metric);
        rules.set(key, {
            metric: t.metric,
            key,
            higherIsBetter: higher(t.metric, t.direction),
            threshold: t.threshold,
        });
    }
    for (const i of target.gate.improvement ?? []) {
        const key = canonicalMetricName(i.metric);
        if (!rules.has(key)) rules.set(key, { metric: i.metric, key, higherIsBetter: higher(i.metric, i.direction) });
    }
    const runs = [...newestFirst]
        .reverse()
        .filter((r) => r.verdict !== undefined)
        .map((r) => ({
            runId: r.runId,
            state: r.state,
            metrics: r.verdict!.metrics,
            ...(endedAt(r) ? { endedAt: endedAt(r) } : {}),
            ...(r.reason ? { reason: r.reason } : {}),
            ...(r.approval
                ? {
                      approval:
                          r.approval.decision === 'timeout'
                              ? `timeout: ${r.approval.outcome}`
                              : `${r.approval.decision} by ${r.approval.by ?? 'unknown'}`,
                  }
                : {}),
        }));
    return {
        name: target.name,
        metrics: [...rules.values()],
        runs,
        champion: champion ? { runId: champion.runId, lineage: champion.lineage } : null,
        unverifiedModel: unverifiedWarning(newestFirst),
    };
}

/**
 * A run record as the page's run view gets it (`api/runs/{target}/{runId}`): the record unchanged,
 * plus what the page would otherwise have to copy from the app's rules.
 */
export type RunPage = RunRecord & {
    /**
     * Each metric key of the verdict (this run's and the champion's) -> its name for people: as
     * the target's config names it (`AUC`), else its Evaluate Model spelling, as `retrainer status`.
     */
    metricLabels: Record<string, string>;
    /** A cancel request that reached the run too late to stop it, in the CLI's words (`lateCancelNote`). */
    lateCancel?: string;
};

/** The run view's answer for `run`, a record of `target`. */
export function runPage(target: TargetConfig, run: RunRecord): RunPage {
    const keys = new Set([
        ...Object.keys(run.verdict?.metrics ?? {}),
        ...Object.keys(run.verdict?.comparedTo?.metrics ?? {}),
    ]);
    const late = lateCancelNote(run.cancellation);
    return {
        ...run,
        metricLabels: metricLabels(keys, configuredMetricNames(target.gate)),
        ...(late ? { lateCancel: late } : {}),
    };
}
