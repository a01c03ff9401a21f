import { HostLogger } from '../core/log';

/**
 * How kind the dev host is. `default`: the dev host's own behaviour (activities never run twice at
 * once, every blob write seen by a container scan, sub-second queues). `azure`: it injects, on
 * purpose, the behaviours the real runtime is allowed to show (docs/fidelity.md;
 * ../shared/reference/azure-runtime-semantics.md), so tests prove the app relies only on what Azure
 * guarantees.
 */
export type SemanticsProfileName = 'default' | 'azure';

/** Environment variable that selects the profile (`azure` or `default`); the host flag `--semantics` wins. */
export const SEMANTICS_ENV = 'RETRAINER_HOST_SEMANTICS';
/** Environment variable with the profile's seed (a non-negative integer; default 1). */
export const SEMANTICS_SEED_ENV = 'RETRAINER_HOST_SEMANTICS_SEED';

/** One injected fault, as logged and counted: `kind` is a stable identifier tests count by. */
export interface InjectedFault {
    kind: string;
    /** What it was injected into (instance id, activity name, blob name...). */
    subject: string;
    /** When it was injected, ms since the epoch. */
    atInMs: number;
    detail?: string;
}

/**
 * Seeded, reproducible randomness (mulberry32): the same seed injects the same faults in the same
 * order of decisions. Not for anything but fault injection.
 */
export class SeededRandom {
    #state: number;
    constructor(seed: number) {
        this.#state = seed >>> 0;
    }
    /** A float in [0, 1). */
    next(): number {
        this.#state = (this.#state + 0x6d2b79f5) >>> 0;
        let t = this.#state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    /** True with probability `share` (0..1). */
    chance(share: number): boolean {
        return share > 0 && this.next() < share;
    }
}

/**
 * A seed derived from `seed` and `key` (FNV-1a over the key's UTF-16 units): a stream of its own
 * per key, so one key's draws never shift another's.
 */
export function keyedSeed(seed: number, key: string): number {
    let h = seed >>> 0;
    for (const ch of key) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return h;
}

/**
 * True with probability `share` (0..1), decided by `seed` and `key` alone: the same key gets the
 * same answer however work interleaves. For faults whose subject has a stable name (a blob write),
 * so that a seed injects them into the same subjects on every run, not into whichever subject
 * happened to draw next from a shared stream.
 */
export function keyedChance(seed: number, key: string, share: number): boolean {
    return share > 0 && new SeededRandom(keyedSeed(seed, key)).next() < share;
}

/**
 * Every fault the profile injects goes through here: logged as a host line
 * (`[semantics] injected <kind> into <subject>`) and counted, so a test can prove it happened.
 */
export class FaultLog {
    readonly #faults: InjectedFault[] = [];
    readonly #listeners = new Set<(f: InjectedFault) => void>();
    constructor(private readonly log?: HostLogger) {}

    record(kind: string, subject: string, detail?: string): InjectedFault {
        const f: InjectedFault = { kind, subject, atInMs: Date.now(), ...(detail ? { detail } : {}) };
        this.#faults.push(f);
        this.log?.host(`[semantics] injected ${kind} into ${subject}${detail ? `: ${detail}` : ''}`, 'warning');
        for (const l of this.#listeners) l(f);
        return f;
    }
    /** Every fault so far, oldest first. */
    all(): readonly InjectedFault[] {
        return this.#faults;
    }
    /** How many faults of each kind were injected. */
    counts(): Record<string, number> {
        const out: Record<string, number> = {};
        for (const f of this.#faults) out[f.kind] = (out[f.kind] ?? 0) + 1;
        return out;
    }
    onFault(listener: (f: InjectedFault) => void): () => void {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
    }
}

/** The active profile: its name, its seeded randomness and its fault log. */
export interface SemanticsProfile {
    name: SemanticsProfileName;
    seed: number;
    random: SeededRandom;
    faults: FaultLog;
}

/**
 * Builds the profile from an explicit name (the `--semantics` flag) or the environment.
 * @throws Error naming `RETRAINER_HOST_SEMANTICS` or its seed when the value is not understood.
 */
export function semanticsProfile(
    env: Record<string, string | undefined>,
    log?: HostLogger,
    name?: string,
): SemanticsProfile {
    const raw = (name ?? env[SEMANTICS_ENV] ?? 'default').trim().toLowerCase();
    if (raw !== 'default' && raw !== 'azure') {
        throw new Error(`${SEMANTICS_ENV} (or --semantics) must be 'default' or 'azure', not '${raw}'.`);
    }
    const seedText = env[SEMANTICS_SEED_ENV] ?? '1';
    const seed = Number(seedText);
    if (!Number.isInteger(seed) || seed < 0) {
        throw new Error(`${SEMANTICS_SEED_ENV} must be a non-negative integer, not '${seedText}'.`);
    }
    return { name: raw, seed, random: new SeededRandom(seed), faults: new FaultLog(log) };
}
