import * as df from 'durable-functions';

import { callActivity } from './callActivity';
import { TargetPlan, Verification, VerifyInput } from './contracts';
import { reasonOf } from './messageOf';

/** What `verifyPromotion` checks: the verify activity's input. */
export type VerifyRequest = VerifyInput;

/**
 * Checks that the endpoint serves the promoted model, and while it does not, checks again after a
 * durable timer until the plan's attempts run out: a PATCHed classic endpoint can keep scoring with
 * the old model for ~30 s after the PATCH answered, and rolling back then would throw a good model away.
 */
export function* verifyPromotion(
    context: df.OrchestrationContext,
    plan: TargetPlan,
    retry: df.RetryOptions,
    request: VerifyRequest,
): Generator<df.Task, Verification, unknown> {
    const attempts = plan.verify?.attempts ?? 1;
    const intervalInMs = plan.verify?.intervalInMs ?? 0;
    for (let attempt = 1; ; attempt++) {
        let verification: Verification;
        try {
            verification = yield* callActivity(context, 'verify', request, retry);
        } catch (err) {
            verification = { passed: false, reasons: [`Verification could not run: ${reasonOf(err).reason}`] };
        }
        if (verification.passed || attempt >= attempts) {
            // A plan without `verify` comes from a history recorded before retries: its record stays as it was.
            return plan.verify ? { ...verification, attempts: attempt } : verification;
        }
        yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + intervalInMs));
    }
}
