import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ZodError } from 'zod';

import { crossFieldIssues, settingsIssues } from './configChecks';
import { configSchema, RetrainerConfig, ScoringConfig, TargetConfig, TrainingConfig } from './configSchema';
import { findInlineSecrets, settingReferences } from './inlineSecrets';
import { parseHostSchedule } from './ncrontab';
import { identityConnection } from './storageConnection';

export type { RetrainerConfig, TargetConfig } from './configSchema';

/**
 * The BES training block of a classic or ARM target (config validation makes it present for those).
 * @throws TypeError for a target without one (an `azureml` target trains with its command job).
 */
export function besTrainingOf(t: TargetConfig): TrainingConfig {
    if (!t.training) throw new TypeError(`target '${t.name}' has no BES training (update kind '${t.update.kind}')`);
    return t.training;
}

/**
 * The request-response scoring block of a classic or ARM target (present for those once validated).
 * @throws TypeError for a target without one (an `azureml` target scores at its online endpoint).
 */
export function scoringOf(t: TargetConfig): ScoringConfig {
    if (!t.scoring)
        throw new TypeError(`target '${t.name}' has no request-response scoring (update kind '${t.update.kind}')`);
    return t.scoring;
}

/** The app setting naming the config file. */
export const CONFIG_PATH_SETTING = 'RETRAINER_CONFIG_PATH';
export const DEFAULT_CONFIG_PATH = 'retrainer.config.json';
/** How often the app's timer (scheduled retrains and the catch-up pass) fires: a 6-field NCRONTAB. */
export const TIMER_SCHEDULE_SETTING = 'RETRAINER_TIMER_SCHEDULE';

/** Every problem found, in one error, so a deployment is fixed in one pass. Never holds a secret value. */
export class ConfigError extends Error {
    constructor(
        readonly source: string,
        readonly issues: string[],
    ) {
        super(`Invalid retrainer config ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
        this.name = 'ConfigError';
    }
}

export interface LoadedConfig {
    config: RetrainerConfig;
    /** The value of a setting the config references (resolved and checked at load). */
    setting(name: string): string;
}

/** A relative path is taken from `baseDir`: the app's root, not the worker's current directory. */
export function configPathFromEnv(env: NodeJS.ProcessEnv, baseDir = process.cwd()): string {
    return path.resolve(baseDir, env[CONFIG_PATH_SETTING] || DEFAULT_CONFIG_PATH);
}

function formatPath(p: readonly PropertyKey[]): string {
    return p.reduce<string>(
        (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
        '',
    );
}

/** The value at a zod issue's path in the raw JSON (undefined when a key on the way is absent). */
function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
    let v = raw;
    for (const k of p) {
        if (v === null || typeof v !== 'object') return undefined;
        v = (v as Record<PropertyKey, unknown>)[k];
    }
    return v;
}

function zodIssues(error: ZodError, secretPaths: Set<string>, raw: unknown): string[] {
    const out: string[] = [];
    for (const issue of error.issues) {
        const at = formatPath(issue.path);
        if (issue.code === 'unrecognized_keys') {
            for (const k of issue.keys) {
                const p = at ? `${at}.${k}` : k;
                if (!secretPaths.has(p)) out.push(`${p}: unknown key`);
            }
        } else if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(raw, issue.path) === undefined) {
            // zod says "Invalid input: expected string, received undefined"; a person left the key out
            // (or misspelt it, which the unknown-key line beside this one then shows).
            out.push(`${at}: missing (required, ${issue.expected})`);
        } else {
            out.push(`${at || '(root)'}: ${issue.message}`);
        }
    }
    return out;
}

/** Validates parsed JSON; throws one ConfigError naming every bad key. */
export function validateConfig(raw: unknown, source = 'config'): RetrainerConfig {
    const secretIssues = findInlineSecrets(raw);
    const secretPaths = new Set(secretIssues.map((i) => i.slice(0, i.indexOf(':'))));
    const parsed = configSchema.safeParse(raw);
    const issues = [
        ...secretIssues,
        ...(parsed.success ? [] : zodIssues(parsed.error, secretPaths, raw)),
        ...crossFieldIssues(raw),
    ];
    if (issues.length > 0 || !parsed.success) throw new ConfigError(source, issues);
    return parsed.data;
}

/**
 * The config file's JSON, not yet validated (`validateConfig` does that without app settings).
 * @throws ConfigError naming the file: unreadable, or not JSON (at which line and column).
 */
export function readConfigFile(file: string): unknown {
    let text: string;
    try {
        text = readFileSync(file, 'utf8');
    } catch (e: unknown) {
        // Say why (missing, a folder, no permission): the path may be right and the file not.
        const why = (e as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigError(file, [
            `cannot read the file (${why}); its path comes from ${CONFIG_PATH_SETTING} (npm start: --config FILE)`,
        ]);
    }
    try {
        return JSON.parse(text) as unknown;
    } catch (e: unknown) {
        throw new ConfigError(file, [`not valid JSON: ${jsonErrorAt(text, e)}`]);
    }
}

/**
 * JSON.parse's message with its offset as a line and column (1-based), which an editor can jump
 * to: Node 20 says only "at position N" (a UTF-16 offset into `text`); Node 22 adds
 * "(line L column C)", kept as it is.
 */
export function jsonErrorAt(text: string, err: unknown): string {
    const message = err instanceof Error ? err.message : 'parse error';
    if (/\(line \d+ column \d+\)/.test(message)) return message;
    return message.replace(/ at position (\d+)/, (_, position: string) => {
        const before = text.slice(0, Number(position));
        const line = before.split('\n').length;
        const column = before.length - before.lastIndexOf('\n');
        return ` at line ${line}, column ${column}`;
    });
}

/**
 * Reads, validates and resolves the config: the file at `file`, and every app setting it names
 * from `env`. Missing settings are reported together with any schema problems.
 */
export function loadConfig(file: string, env: NodeJS.ProcessEnv): LoadedConfig {
    const config = validateConfig(readConfigFile(file), file);
    const values = new Map<string, string>();
    const missing: string[] = [...settingsIssues(config.targets, env)];
    const storageSetting = config.storage.connectionStringSetting;
    for (const ref of settingReferences(config)) {
        const v = env[ref.name];
        if (v !== undefined && v !== '') values.set(ref.name, v);
        else if (ref.name === storageSetting && identityConnection(ref.name, env)) continue;
        else if (ref.name === storageSetting) {
            missing.push(
                `${ref.path}: app setting '${ref.name}' is not set (a connection string, or '${ref.name}__blobServiceUri' for an identity-based connection)`,
            );
        } else missing.push(`${ref.path}: app setting '${ref.name}' is not set`);
    }
    const schedule = env[TIMER_SCHEDULE_SETTING];
    if (schedule !== undefined && schedule !== '') {
        try {
            parseHostSchedule(schedule, `app setting ${TIMER_SCHEDULE_SETTING}`);
        } catch (err: unknown) {
            // Azure's host needs seconds: a 5-field value would index a timer that never fires.
            missing.push(err instanceof Error ? err.message : String(err));
        }
    }
    if (missing.length > 0) throw new ConfigError(file, missing);
    return {
        config,
        setting(name: string): string {
            const v = values.get(name);
            if (v === undefined) throw new RangeError(`setting '${name}' is not referenced by the config`);
            return v;
        },
    };
}

export function loadConfigFromEnv(env: NodeJS.ProcessEnv = process.env, baseDir?: string): LoadedConfig {
    return loadConfig(configPathFromEnv(env, baseDir), env);
}

export function findTarget(config: RetrainerConfig, name: string): TargetConfig {
    const t = config.targets.find((x) => x.name === name);
    if (!t) throw new RangeError(`unknown target '${name}' (known: ${config.targets.map((x) => x.name).join(', ')})`);
    return t;
}
