import * as df from 'durable-functions';

import { ActivityDeps, targetOf } from '../../activities/deps';
import type { CancellationRecord, CustomStatus, RetrainInput, RunRecord } from '../../orchestrators/contracts';
import { reasonOf } from '../../orchestrators/messageOf';
import { runIdFor } from '../../orchestrators/retrain';
import { readInstance } from './startRetrain';

/** Who a terminated run's record names: nobody the app can know (the durable API has no caller identity). */
export const TERMINATED_BY = 'terminated from outside';

/** The steps at which a run has its BES job running (not yet finished), which a terminate leaves behind. */
const JOB_RUNNING_AT: ReadonlySet<string> = new Set(['training']);

function iso(value: unknown): string {
    const d = value instanceof Date ? value : new Date(String(value));
    return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** The operator's terminate reason as one line for people (the durable API stores it as the output). */
function terminateReasonOf(output: unknown): string | undefined {
    if (output === null || output === undefined) return undefined;
    const text = reasonOf(typeof output === 'string' ? output : JSON.stringify(output)).reason.slice(0, 500);
    return text === '' || text === 'an unexplained error' ? undefined : text;
}

/**
 * Records a run that was terminated from outside (the durable API's terminate, the portal, a tool)
 * and so never wrote its own record: state Cancelled, `cancellation.kind` `terminated`, the step it
 * was at (from its custom status), when (the instance's last update), and the terminate reason. A
 * BES job it had training is cancelled (a failure is recorded, never thrown: the run is over).
 * Idempotent: the run id is the one the run worked on, or one derived from the instance's creation
 * time, and nothing is written when a record with that id exists (a run terminated after its own
 * record, while looking for new data, keeps it). Returns the record written, or undefined.
 * @throws storage errors from the run store (the caller's invocation fails and is retried)
 */
export async function recordTerminatedRun(
    deps: ActivityDeps,
    target: string,
    status: df.DurableOrchestrationStatus,
): Promise<RunRecord | undefined> {
    if (status.runtimeStatus !== df.OrchestrationRuntimeStatus.Terminated) return undefined;
    const custom = (status.customStatus ?? {}) as Partial<CustomStatus>;
    const step: string = custom.step ?? 'starting';
    const runId = custom.runId ?? runIdFor(new Date(iso(status.createdTime)), 'terminated');
    if (await deps.runs.getRun(target, runId)) return undefined;
    const input = status.input as Partial<RetrainInput> | null | undefined;
    const at = iso(status.lastUpdatedTime);
    const why = terminateReasonOf(status.output);
    const cancellation: CancellationRecord = {
        kind: 'terminated',
        by: TERMINATED_BY,
        at,
        ...(why ? { why } : {}),
        step,
    };
    if (custom.jobId && JOB_RUNNING_AT.has(step)) {
        try {
            await deps.bes(targetOf(deps, target)).cancelJob(custom.jobId);
            cancellation.job = { jobId: custom.jobId, outcome: 'cancelled' };
        } catch (err) {
            cancellation.job = { jobId: custom.jobId, outcome: 'cancel-failed', detail: reasonOf(err).reason };
        }
    }
    const record: RunRecord = {
        target,
        runId,
        instanceId: status.instanceId,
        trigger: input?.trigger ?? { kind: 'http' },
        state: 'Cancelled',
        reason: `Terminated from outside while ${step}${why ? `: ${why}` : ''}.`,
        reasonDetail:
            'The run could not write its own record; Retrainer recorded it when it next looked at the target.' +
            (cancellation.job?.outcome === 'cancel-failed'
                ? ` Its training job ${cancellation.job.jobId} could not be cancelled: ${cancellation.job.detail ?? ''}`
                : ''),
        cancellation,
        timings: { ...(custom.since ? { [step]: custom.since } : {}), terminated: at },
    };
    await deps.runs.saveRun(record);
    return record;
}

/**
 * Before a trigger starts the target's next run (which replaces the instance and its status) and in
 * the catch-up pass: records the target's instance if it was terminated without a record.
 * @throws DurableOutageError when the task hub does not answer; storage errors from the run store
 */
export async function recordIfTerminated(
    client: df.DurableClient,
    deps: ActivityDeps,
    target: string,
    log: (message: string) => void,
): Promise<RunRecord | undefined> {
    const seen = await readInstance(client, target, true);
    if (seen.kind !== 'ended') return undefined;
    const record = await recordTerminatedRun(deps, target, seen.status);
    if (record)
        log(`Recorded run ${record.runId} of '${target}', terminated from outside while ${record.cancellation?.step}.`);
    return record;
}
