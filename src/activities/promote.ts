import type { ClaimPending } from '../orchestrators/claims';
import type { PromoteInput, Promotion } from '../orchestrators/contracts';
import { ChampionChangedError } from '../retraining/runStore';
import { withClaim } from './claim';
import { ActivityDeps, targetOf } from './deps';
import { applyModel, currentModel, sameModel } from './endpoint';

/** What the promote claim's holder records before it sends the update. */
interface PromoteProgress {
    promotion: Promotion;
}

/**
 * Points the target's endpoint at the run's model, but only while the champion is still the one
 * the model was judged against. At most one copy acts at a time, even when two copies of the
 * activity run at once: the run's `promotion.json` is a claim (see `withClaim`). What the endpoint
 * served before is recorded in it before the update, so a copy that takes over from a dead holder —
 * or a rollback — restores the true previous model, not the new one; and that copy sends the update
 * again only if the endpoint does not serve the model already.
 *
 * @returns the promotion, or a ClaimPending when another copy holds the claim (ask again later).
 * @throws ChampionChangedError when another run became champion meanwhile.
 */
export async function promote(deps: ActivityDeps, input: PromoteInput): Promise<Promotion | ClaimPending> {
    const target = targetOf(deps, input.target);
    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    const marker = models.getBlockBlobClient(`${target.name}/${input.runId}/promotion.json`);
    return withClaim<PromoteProgress, Promotion>(
        marker,
        // Before claims, promotion.json held the promotion itself, written just before the update.
        { now: () => deps.now(), legacy: (raw) => ({ progress: { promotion: raw as Promotion } }) },
        async (claim) => {
            const champion = (await deps.runs.getChampion(target.name))?.champion.runId ?? null;
            if (champion !== input.expectedChampionRunId && champion !== input.runId)
                throw new ChampionChangedError(target.name);
            let promotion = claim.progress?.promotion;
            if (promotion) {
                // A holder died after recording: if its update landed, updating again would only patch twice.
                if (sameModel(await currentModel(deps, target), input.model)) return promotion;
            } else {
                promotion = { before: await currentModel(deps, target), after: input.model };
                await claim.record({ promotion });
            }
            await applyModel(deps, target, input.model);
            return promotion;
        },
    );
}
