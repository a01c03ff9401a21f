import type { ActivityInput, ActivityKey, ActivityOutput } from '../orchestrators/contracts';
import { arrivals } from './arrivals';
import type { ActivityDeps } from './deps';
import { evaluate } from './evaluate';
import { cancelJob, getJobStatus } from './jobStatus';
import { loadPlan } from './loadPlan';
import { promote } from './promote';
import { recordRun } from './record';
import { rollback } from './rollback';
import {
    beginDeployment,
    checkDeployment,
    deleteDeployment,
    pollOperation,
    registerModel,
    setTraffic,
} from './rollout';
import { outboxOf } from './runtime';
import { snapshotManifest } from './snapshotManifest';
import { submitJobActivity } from './submitJob';
import { verify } from './verify';

/** An implementation for every activity, typed by the contracts' `ActivityTypes` table. */
export type ActivityImplementations = {
    [K in ActivityKey]: (deps: ActivityDeps, input: ActivityInput<K>) => Promise<ActivityOutput<K>>;
};

/**
 * Each activity's implementation by its key in `Activities`. A missing key or a function whose
 * input or output differs from the contract fails to compile, so the registrations cannot drift
 * from what the orchestrator calls.
 */
export const activityImplementations: ActivityImplementations = {
    loadPlan,
    snapshotManifest,
    // Data refusals come back as `{ refused }`: deterministic, not worth the retry policy.
    submitJob: submitJobActivity,
    getJobStatus,
    cancelJob,
    evaluate,
    promote,
    verify,
    rollback,
    record: recordRun,
    arrivals: (deps, input) => arrivals(outboxOf(deps), input),
    readDecision: async (deps, input) => (await deps.runs.getDecision(input.target, input.runId)) ?? null,
    registerModel,
    beginDeployment,
    pollOperation,
    setTraffic,
    deleteDeployment,
    checkDeployment,
};
