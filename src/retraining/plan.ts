import type { TargetPlan } from '../orchestrators/contracts';
import type { TargetConfig } from './configSchema';

/** The secret-free slice of a target's config the orchestrator decides with. */
export function targetPlan(t: TargetConfig): TargetPlan {
    return {
        target: t.name,
        quietPeriodInMs: t.debounce.quietPeriodInMs,
        maxWaitInMs: t.debounce.maxWaitInMs,
        jobDeadlineInMs: t.job.deadlineInMs,
        pollInitialIntervalInMs: t.job.pollInitialIntervalInMs,
        pollMaxIntervalInMs: t.job.pollMaxIntervalInMs,
        activityRetry: { ...t.activityRetry },
        retrainOnScheduleWithoutNewData: t.retrainOnScheduleWithoutNewData,
        verify: { ...t.verify },
        outbox: true,
        stableRunId: true,
        cancellable: true,
        // Left out entirely when not required, so such targets' plans (and histories) stay as they were.
        ...(t.approval?.required
            ? {
                  approval: {
                      timeoutInMs: t.approval.timeoutInMs,
                      onTimeout: t.approval.onTimeout,
                      decisionCheckEveryInMs: t.approval.decisionCheckEveryInMs,
                  },
              }
            : {}),
        // Only Azure ML v2 targets roll out; the other kinds' plans (and histories) stay as they were.
        ...(t.update.kind === 'azureml'
            ? {
                  rollout: {
                      stepsInPercent: [...t.update.rollout.stepsInPercent],
                      bakeInMs: t.update.rollout.bakeInMs,
                      pollIntervalInMs: t.update.rollout.pollIntervalInMs,
                      operationTimeoutInMs: t.update.rollout.operationTimeoutInMs,
                      keepDeployments: t.update.keepDeployments,
                  },
              }
            : {}),
    };
}
