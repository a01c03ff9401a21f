import type { Verification, VerifyInput } from '../orchestrators/contracts';
import { checkSmokeTest, smokeTestInput } from '../retraining/smokeTest';
import { ActivityDeps, targetOf } from './deps';
import { currentModel, sameModel } from './endpoint';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { VerifyInput };

/**
 * Does the endpoint really serve the new model? It must report the new model location, and its
 * answers for the target's golden rows must match what they should be.
 */
export async function verify(deps: ActivityDeps, input: VerifyInput): Promise<Verification> {
    const target = targetOf(deps, input.target);
    const problems: string[] = [];
    const notes: string[] = [];
    const served = await currentModel(deps, target);
    if (sameModel(served, input.promotion.after)) notes.push('the endpoint reports the new model');
    else {
        const now = served ? served.relativeLocation : 'no model';
        problems.push(`the endpoint reports ${now}, not ${input.promotion.after.relativeLocation}`);
    }
    const golden = target.smokeTest?.rows ?? [];
    if (golden.length > 0) {
        const { columnNames, values } = smokeTestInput(golden);
        const scored = await deps.scoring(target).score(columnNames, values);
        const result = checkSmokeTest(golden, { columnNames: scored.columnNames, rows: scored.rows });
        (result.passed ? notes : problems).push(...result.reasons);
    }
    return problems.length === 0 ? { passed: true, reasons: notes } : { passed: false, reasons: problems };
}
