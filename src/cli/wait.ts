import { setTimeout as sleep } from 'node:timers/promises';

import { CliError, UsageError } from './connection';
import { RetrainerClient, RolloutView, RunView } from './retrainerClient';

export interface WaitOptions {
    timeoutInMs: number;
    pollIntervalInMs?: number;
    /** Told each time the in-flight step changes, so a waiting user sees progress. */
    onStep?: (step: string) => void;
}

/**
 * `--timeout-seconds N` in ms, checked before the command changes anything: `Number('abc')` is
 * NaN, and a NaN deadline never passes, so a mistyped value made `--wait` wait forever.
 * @throws UsageError (exit 2) unless the value is a whole number of seconds from 1 up.
 */
export function timeoutInMsOf(seconds: string): number {
    if (!/^\d+$/.test(seconds) || Number(seconds) < 1)
        throw new UsageError(`--timeout-seconds must be a whole number of seconds from 1 up, not '${seconds}'.`);
    return Number(seconds) * 1000;
}

/** Polls the run history until a run matching `wanted` is recorded; the in-flight step is reported meanwhile. */
export async function waitForRun(
    client: RetrainerClient,
    target: string,
    wanted: (run: RunView) => boolean,
    options: WaitOptions,
): Promise<RunView> {
    const deadline = Date.now() + options.timeoutInMs;
    let lastStep = '';
    for (;;) {
        const run = (await client.listRuns({ target, limit: 20 })).find(wanted);
        if (run) return run;
        const live = (await client.getTarget(target)).inFlight;
        const step = live?.step?.step ?? (live ? live.status : 'waiting for the trigger');
        if (step !== lastStep) {
            lastStep = step;
            // A run that waits for a person says so, and how to decide, instead of looking stuck.
            const until = live?.step?.until;
            options.onStep?.(
                step === 'awaiting-approval' && until
                    ? `${step} until ${until}: decide with \`retrainer approve|reject ${target} --by NAME --why TEXT\``
                    : step,
            );
        }
        if (Date.now() > deadline) {
            throw new WaitTimeoutError(
                `No run of '${target}' finished within ${Math.round(options.timeoutInMs / 1000)} s (last step: ${step}); ` +
                    'it may still be running: see `retrainer status`.',
            );
        }
        await sleep(options.pollIntervalInMs ?? 1000);
    }
}

/**
 * Exit codes of `upload --wait` and `retrain --wait`, one per final state of a run, so scripts can
 * branch on the outcome: 0 only for Promoted. 1 is any error, 2 a usage error, 3 a wait that timed
 * out before the run was recorded. A state this CLI does not know (a newer app) exits 19.
 */
export const RUN_EXIT_CODES: Readonly<Record<string, number>> = {
    Promoted: 0,
    Rejected: 10,
    Skipped: 11,
    Failed: 12,
    RolledBack: 13,
    Cancelled: 14,
};
/** `--wait` gave up before the run was recorded (the run may still finish). */
export const WAIT_TIMEOUT_EXIT_CODE = 3;
const UNKNOWN_STATE_EXIT_CODE = 19;

/** The exit code for a recorded run's final state (see {@link RUN_EXIT_CODES}). */
export function exitCodeOf(run: Pick<RunView, 'state'>): number {
    return RUN_EXIT_CODES[run.state] ?? UNKNOWN_STATE_EXIT_CODE;
}

/** `--wait` ran out of time; main exits with {@link WAIT_TIMEOUT_EXIT_CODE}. */
export class WaitTimeoutError extends CliError {
    override name = 'WaitTimeoutError';
}

/** A run's record in a few lines, as `--wait` prints it when the run ends. */
export function describeRun(run: RunView): string {
    const lines = [`Run ${run.runId} of '${run.target}': ${run.state}`];
    if (run.forced) lines.push(`  forced: re-judged the data of run ${run.manifest?.previousRunId ?? '?'}`);
    for (const l of run.manifest?.leftOut ?? []) lines.push(`  left out: ${l.name}: ${l.reason}`);
    const gate = run.verdict?.reasons ?? [];
    for (const r of gate) lines.push(`  gate: ${r}`);
    const rollout = run.rollout?.deployment ? describeRollout(run.rollout, run.rollout.deployment, run) : [];
    lines.push(...rollout);
    // A gate's rejection reason is its reasons again, a rollout's is its outcome line; other
    // reasons (a person's or the approval timeout's rejection, a failed step, a skip) are news.
    const gateRejected = run.state === 'Rejected' && gate.length > 0 && run.verdict?.passed === false;
    if (run.reason && !gateRejected && rollout.length === 0) lines.push(`  reason: ${run.reason}`);
    const blobs = run.manifest?.blobs ?? [];
    const blank = blobs.reduce((n, b) => n + (b.blankRows ?? 0), 0);
    if (blank > 0) lines.push(`  skipped ${blank} blank row(s)`);
    const extra = [...new Set(blobs.flatMap((b) => b.extraColumns ?? []))];
    if (extra.length > 0) lines.push(`  ignored column(s): ${extra.join(', ')}`);
    return lines.join('\n');
}

/**
 * An Azure ML v2 rollout in three lines: the deployment, the traffic steps it reached, and how it
 * ended (promoted, and what became of the serving deployment; or rolled back, and why).
 */
function describeRollout(r: RolloutView, deployment: string, run: RunView): string[] {
    const model = r.model ? `model ${r.model.name}:${r.model.version} as ` : '';
    const beside = r.serving ? ` (beside '${r.serving}')` : '';
    const lines = [`  rollout: ${model}deployment '${deployment}'${beside}`];
    const failedAt = r.steps.find((s) => s.check && !s.check.passed);
    const goldenFailed = r.preTraffic?.passed === false;
    if (r.steps.length > 0) {
        const checks = failedAt ? `, live checks failed at ${failedAt.percent}%` : '';
        lines.push(`  traffic: ${r.steps.map((s) => `${s.percent}%`).join(' -> ')}${checks}`);
    } else lines.push(`  traffic: none${goldenFailed ? ' (its golden rows failed first)' : ''}`);
    const why = run.reason ? `: ${run.reason}` : '';
    if (run.state === 'Promoted') {
        const kept = r.serving && !r.retired.includes(r.serving) ? `; '${r.serving}' kept at 0%` : '';
        const retired = r.retired.length > 0 ? `; retired ${r.retired.map((d) => `'${d}'`).join(', ')}` : '';
        lines.push(`  outcome: promoted: '${deployment}' takes all traffic${kept}${retired}`);
    } else if (run.state === 'RolledBack') {
        // `rolledBack` is set only once the traffic is back and the new deployment is gone.
        const back = !r.rolledBack
            ? ''
            : r.steps.length === 0
              ? ` ('${deployment}' deleted before any traffic)`
              : ` (traffic back ${r.serving ? `on '${r.serving}'` : 'as it was'}, '${deployment}' deleted)`;
        lines.push(`  outcome: rolled back${back}${why}`);
    } else lines.push(`  outcome: ${run.state}${why}`);
    for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
    return lines;
}
