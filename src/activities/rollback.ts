import type { RollbackInput } from '../orchestrators/contracts';
import { ActivityDeps, targetOf } from './deps';
import { applyModel } from './endpoint';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { RollbackInput };

export class NothingToRestoreError extends Error {
    constructor(target: string) {
        super(`Target '${target}' served no model before this run, so there is nothing to roll back to.`);
        this.name = 'NothingToRestoreError';
    }
}

/** Puts back the model the endpoint served before the promotion. */
export async function rollback(deps: ActivityDeps, input: RollbackInput): Promise<void> {
    const target = targetOf(deps, input.target);
    if (!input.promotion.before) throw new NothingToRestoreError(target.name);
    await applyModel(deps, target, input.promotion.before);
}
