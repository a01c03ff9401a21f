import type { FaultLog } from './profile';

/**
 * host.json `extensions.durableTask.overridableExistingInstanceStates`: which existing instances a
 * start with the same id replaces. The extension's default is NonRunningStates in every 2.x and 3.x
 * release (Options/DurableTaskOptions.cs; OverridableStates.cs): a start of a Pending, Running,
 * ContinuedAsNew or Suspended instance is refused. AnyState replaces whatever is there.
 */
export type OverridableStates = 'NonRunningStates' | 'AnyState';

/**
 * How the dev host answers starts. Default: atomic (the instance row is inserted, or replaced under
 * its ETag, and the loser is refused with 409). Under the `azure` profile, as
 * DurableTask.AzureStorage does (AzureStorageOrchestrationService.CreateTaskOrchestrationAsync and
 * AzureTableTrackingStore.SetNewExecutionAsync): the instance row is read, the start is refused
 * with **500** if it is live (HttpApiHandler's generic catch), otherwise the row is written, and a
 * write that loses to a concurrent start is dropped silently: the caller is told 202 while the
 * other start runs.
 */
export interface StartSemantics {
    overridable: OverridableStates;
    /** HTTP status for a start refused because the id is live: 409 (dev host) or 500 (extension). */
    liveStartStatus: 409 | 500;
    /** Report a start that lost the write race as accepted (202), dropping its input, as DT does. */
    silentRaceLoss: boolean;
    /**
     * How long the first start of an id holds its read-then-write window open for a concurrent start
     * of the same id to reach its read, so tests that start concurrently see the race every time.
     */
    raceWindowInMs: number;
    faults?: FaultLog;
}

/** The dev host's own start behaviour (overridable states from host.json). */
export function defaultStarts(overridable: OverridableStates = 'NonRunningStates'): StartSemantics {
    return { overridable, liveStartStatus: 409, silentRaceLoss: false, raceWindowInMs: 0 };
}

/** The `azure` profile's start behaviour; every silent loss is recorded as fault `start-race-lost-silently`. */
export function azureStarts(faults: FaultLog, overridable: OverridableStates = 'NonRunningStates'): StartSemantics {
    return { overridable, liveStartStatus: 500, silentRaceLoss: true, raceWindowInMs: 250, faults };
}

/**
 * Holds the read-then-write window of concurrent starts of one id open together: the first start of
 * an id waits (at most `windowInMs`) until another start of the same id has read, and that one does
 * not wait. Outside tests that start concurrently it only adds the window's latency to a lone start
 * under the `azure` profile.
 */
export class RaceWindow {
    readonly #waiting = new Map<string, () => void>();

    async hold(instanceId: string, windowInMs: number): Promise<void> {
        if (windowInMs <= 0) return;
        const other = this.#waiting.get(instanceId);
        if (other) {
            this.#waiting.delete(instanceId);
            other();
            return;
        }
        await new Promise<void>((resolve) => {
            const timer = setTimeout(done, windowInMs);
            const waiting = this.#waiting;
            function done(): void {
                clearTimeout(timer);
                if (waiting.get(instanceId) === done) waiting.delete(instanceId);
                resolve();
            }
            waiting.set(instanceId, done);
        });
    }
}

/** Reads host.json's setting. @throws Error naming the key for any other value. */
export function parseOverridableStates(value: unknown): OverridableStates {
    if (value === undefined) return 'NonRunningStates';
    if (value === 'NonRunningStates' || value === 'AnyState') return value;
    throw new Error(
        `host.json extensions.durableTask.overridableExistingInstanceStates must be 'NonRunningStates' or 'AnyState', not ${JSON.stringify(value)}.`,
    );
}
