import type { ClaimPending } from '../orchestrators/claims';
import type { RollbackInput } from '../orchestrators/contracts';
import { withClaim } from './claim';
import { ActivityDeps, targetOf } from './deps';
import { applyModel, currentModel, sameModel } from './endpoint';

// Declared with the other activity shapes in the contracts; re-exported for existing importers.
export type { RollbackInput };

export class NothingToRestoreError extends Error {
    constructor(target: string) {
        super(`Target '${target}' served no model before this run, so there is nothing to roll back to.`);
        this.name = 'NothingToRestoreError';
    }
}

/** What the rollback claim's holder records before it sends the update. */
interface RollbackProgress {
    phase: 'restoring';
}

/**
 * Puts back the model the endpoint served before the promotion. At most one copy acts at a time,
 * even when two copies of the activity run at once: the run's `rollback.json` is a claim (see
 * `withClaim`); a copy that takes over from a holder that died mid-update sends it again only if
 * the endpoint does not serve the previous model already.
 *
 * @returns null once restored, or a ClaimPending when another copy holds the claim (ask again later).
 * @throws NothingToRestoreError when the endpoint served nothing before the run.
 */
export async function rollback(deps: ActivityDeps, input: RollbackInput): Promise<null | ClaimPending> {
    const target = targetOf(deps, input.target);
    const before = input.promotion.before;
    if (!before) throw new NothingToRestoreError(target.name);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    const marker = models.getBlockBlobClient(`${target.name}/${input.runId}/rollback.json`);
    return withClaim<RollbackProgress, null>(marker, { now: () => deps.now() }, async (claim) => {
        if (claim.progress && sameModel(await currentModel(deps, target), before)) return null;
        await claim.record({ phase: 'restoring' });
        await applyModel(deps, target, before);
        return null;
    });
}
