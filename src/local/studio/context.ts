import type { TrainedModel } from './training';
import type { FaultRegistry, Stats } from './faults';
import type { StudioSeed, TrainingServiceSeed } from './seed';
import type { StateStore, StudioState } from './state';

/** What a BES/RRS service id stands for. */
export type ServiceRef =
    | { kind: 'training'; workspaceId: string; seed: TrainingServiceSeed }
    | { kind: 'endpoint'; workspaceId: string; endpointKey: string }
    | { kind: 'arm'; subscriptionId: string; armKey: string };

/** Everything handlers share: configuration, live state and its persistence, faults, clock. */
export interface StudioContext {
    readonly seed: StudioSeed;
    readonly state: StudioState;
    readonly store: StateStore;
    readonly faults: FaultRegistry;
    readonly stats: Stats;
    readonly storageConnectionString: string;
    readonly now: () => Date;
    readonly log: (line: string) => void;
    baseUrl: string;
    /** Writes the state (serialised, atomic). */
    persist(): Promise<void>;
    service(serviceId: string): ServiceRef | undefined;
    loadModel(sha256: string): Promise<TrainedModel>;
    sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The fault scopes of a BES/RRS call, most specific first: the service id, then the classic web
 * service or the ARM web service it belongs to, so a fault set on a web service covers its scoring.
 */
export function serviceScopes(ctx: StudioContext, serviceId: string): string[] {
    const ref = ctx.service(serviceId);
    if (ref?.kind === 'endpoint') {
        const e = ctx.state.endpoints[ref.endpointKey];
        if (e) return [serviceId, e.webServiceId];
    }
    if (ref?.kind === 'arm') {
        const a = ctx.state.armServices[ref.armKey];
        if (a) return [serviceId, String(a.definition.name)];
    }
    return [serviceId];
}

export function endpointKey(workspaceId: string, webServiceId: string, name: string): string {
    return `${workspaceId}/${webServiceId}/${name}`.toLowerCase();
}

export function armKey(subscriptionId: string, resourceGroup: string, name: string): string {
    return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}
