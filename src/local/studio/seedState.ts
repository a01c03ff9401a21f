import { createHash } from 'node:crypto';

import { initialDefinition } from './arm/definition';
import { StudioContext, armKey, endpointKey } from './context';
import { readModelBytes } from './storage';
import { BlobServiceClient } from '@azure/storage-blob';
import { parseIlearner } from './training';

/**
 * Makes the state hold every seeded endpoint and ARM web service. Existing records are kept as
 * they are (with the models bound to them), so a restart never undoes a promotion.
 */
export async function seedState(ctx: StudioContext): Promise<void> {
    const now = ctx.now().toISOString();
    const accountUrl = BlobServiceClient.fromConnectionString(ctx.storageConnectionString).url;
    // A BaseLocation ends with '/', as everywhere else in the API.
    const ownUrl = accountUrl.endsWith('/') ? accountUrl : `${accountUrl}/`;
    const bind = async (relative: string | undefined): Promise<{ sha256: string; url: string } | undefined> => {
        if (!relative) return undefined;
        const url = `${ownUrl}${relative}`;
        const bytes = await readModelBytes(url, ctx.storageConnectionString);
        parseIlearner(bytes);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        await ctx.store.putModel(sha256, bytes);
        return { sha256, url };
    };
    for (const ws of ctx.seed.classicWebServices) {
        for (const [i, e] of ws.endpoints.entries()) {
            const key = endpointKey(ws.workspaceId, ws.id, e.name);
            if (ctx.state.endpoints[key]) continue;
            const initial = i === 0 ? await bind(ws.initialModel) : undefined;
            ctx.state.endpoints[key] = {
                workspaceId: ws.workspaceId,
                webServiceId: ws.id,
                name: e.name,
                serviceId: e.serviceId,
                primaryKey: e.primaryKey,
                secondaryKey: e.secondaryKey,
                description: e.description ?? '',
                throttleLevel: 'Low',
                maxConcurrentCalls: 4,
                preventUpdate: false,
                diagnosticsTraceLevel: 'None',
                isDefault: i === 0,
                createdAt: now,
                model: initial && {
                    resourceName: ws.trainedModelName,
                    location: { BaseLocation: ownUrl, RelativeLocation: ws.initialModel! },
                    sha256: initial.sha256,
                    boundAt: now,
                    effectiveAt: now,
                },
            };
        }
        // Endpoints other than the default start with the default's model, as added ones do.
        const def = ctx.state.endpoints[endpointKey(ws.workspaceId, ws.id, ws.endpoints[0].name)];
        for (const e of ws.endpoints.slice(1)) {
            const rec = ctx.state.endpoints[endpointKey(ws.workspaceId, ws.id, e.name)];
            if (!rec.model && def.model) rec.model = def.model;
        }
    }
    for (const a of ctx.seed.armWebServices) {
        const key = armKey(a.subscriptionId, a.resourceGroup, a.name);
        if (ctx.state.armServices[key]) continue;
        const initial = await bind(a.initialModel);
        ctx.state.armServices[key] = {
            key,
            serviceId: a.serviceId,
            definition: initialDefinition(ctx.seed, a, ctx.baseUrl, initial?.url ?? '', now),
            keys: { ...a.keys },
            model: initial && { uri: initial.url, sha256: initial.sha256, boundAt: now },
        };
    }
    await ctx.persist();
}
