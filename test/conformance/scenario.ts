import { AppHost } from './hosts';
import { eventually as pollUntil } from '../helpers/environment';

/**
 * What a scenario observed, as plain JSON facts that do not depend on timing or ids (final states,
 * counts, outputs, custom status values), so the two hosts' outcomes can be compared key by key.
 * Keys starting with `observed` hold facts that depend on a race (which of two racers won): they are
 * recorded and shown, never compared.
 */
export type Outcome = Record<string, unknown>;

/** The environment a scenario's app gets: app settings, and what the scenario may reach. */
export interface ScenarioEnv {
    /** App settings for the host (AzureWebJobsStorage and the hub name included). */
    settings: Record<string, string>;
    /** Azurite's connection string, for blobs the scenario uploads or reads. */
    storage: string;
}

export interface Scenario {
    /** Stable id, used as the key in the results file and docs. */
    id: string;
    /** One line for the docs: what the scenario does. */
    title: string;
    /** The app the scenario runs (its root folder: host.json and package.json). */
    appRoot: string;
    /** Builds the app settings (fresh hub and containers per run); may start helpers such as the studio. */
    prepare(storage: string): Promise<ScenarioEnv & { close(): Promise<void> }>;
    /**
     * Outcome keys known to differ between the hosts, each with its cause (source and reason). A
     * difference not listed here fails the run: it must be fixed in the dev host or explained.
     */
    knownDifferences?: Record<string, string>;
    /** What the `observed` keys show and why they may differ (rendered in the docs). */
    observationNotes?: string;
    /** Drives the app on `host` and reports what happened. Throws when it could not finish. */
    run(host: AppHost, env: ScenarioEnv): Promise<Outcome>;
}

/** test/helpers/environment.ts `eventually`, with the bound a scenario on the real engine needs (2 min). */
export function eventually<T>(
    probe: () => Promise<T | undefined>,
    what: string,
    timeoutInMs = 120_000,
    everyMs = 100,
): Promise<T> {
    return pollUntil(probe, what, timeoutInMs, everyMs);
}

/** True for an outcome key that is recorded but not compared (see Outcome). */
export function isObservation(key: string): boolean {
    return key.startsWith('observed');
}

/** The compared keys whose values differ between two outcomes (deep, by JSON), sorted. */
export function differingKeys(a: Outcome, b: Outcome): string[] {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)].filter((k) => !isObservation(k)));
    return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}
