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

export function endpointKey(workspaceId: string, webServiceId: string, name: string): string {
    return `${workspaceId}/${webServiceId}/${name}`.toLowerCase();
}

export function armKey(subscriptionId: string, resourceGroup: string, name: string): string {
    return `${subscriptionId}/${resourceGroup}/${name}`.toLowerCase();
}
