import { RestError } from '@azure/storage-blob';

import type { PromoteInput, Promotion } from '../orchestrators/contracts';
import { ChampionChangedError } from '../retraining/runStore';
import { ActivityDeps, targetOf } from './deps';
import { applyModel, currentModel, sameModel } from './endpoint';

/**
 * Points the target's endpoint at the run's model, but only while the champion is still the one
 * the model was judged against. What the endpoint served before is written down first (once per
 * run), so a retried activity — or a rollback — restores the true previous model, not the new one.
 */
export async function promote(deps: ActivityDeps, input: PromoteInput): Promise<Promotion> {
    const target = targetOf(deps, input.target);
    const champion = (await deps.runs.getChampion(target.name))?.champion.runId ?? null;
    if (champion !== input.expectedChampionRunId && champion !== input.runId)
        throw new ChampionChangedError(target.name);

    const models = deps.blobs.getContainerClient(target.modelOutput.container);
    const marker = models.getBlockBlobClient(`${target.name}/${input.runId}/promotion.json`);
    let promotion: Promotion;
    try {
        promotion = JSON.parse((await marker.downloadToBuffer()).toString('utf8')) as Promotion;
        // A retry after a crash: if the update already landed, updating again would only patch twice.
        if (sameModel(await currentModel(deps, target), input.model)) return promotion;
    } catch (err) {
        if (!(err instanceof RestError && err.statusCode === 404)) throw err;
        promotion = { before: await currentModel(deps, target), after: input.model };
        const text = JSON.stringify(promotion);
        await marker.upload(text, Buffer.byteLength(text), {
            blobHTTPHeaders: { blobContentType: 'application/json' },
            conditions: { ifNoneMatch: '*' },
        });
    }
    await applyModel(deps, target, input.model);
    return promotion;
}
