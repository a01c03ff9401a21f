import type { TargetPlan } from '../orchestrators/contracts';
import { targetPlan } from '../retraining/plan';
import { ActivityDeps, targetOf } from './deps';

/** The orchestrator's view of a target's configuration (it may not read config itself). */
export function loadPlan(deps: ActivityDeps, target: string): Promise<TargetPlan> {
    return Promise.resolve(targetPlan(targetOf(deps, target)));
}
