import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';

import { OverridableStates, parseOverridableStates } from '../semantics/starts';
import { Env, resolveSettingRefs, SettingsError } from './settings';

export interface HostConfig {
    routePrefix: string;
    hubName: string;
    maxConcurrentActivityFunctions: number;
    maxConcurrentOrchestratorFunctions: number;
    maxDequeueCount: number;
    /**
     * extensions.blobs.maxDegreeOfParallelism: how many blob-triggered invocations run at once in
     * the app (the blob extension 5.x setting; its default is 8 per core). Each holds its whole blob
     * in memory, as the real host's binding downloads it, so this bounds the host's memory.
     */
    maxBlobParallelism: number;
    /** extensions.durableTask.overridableExistingInstanceStates (default NonRunningStates, as the extension's). */
    overridableExistingInstanceStates: OverridableStates;
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json {
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function positiveInt(v: unknown, fallback: number, name: string): number {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
        throw new SettingsError(`host.json ${name} must be a positive integer.`);
    return v;
}

/** Durable task hub names become table-name prefixes: letters and digits, 3 to 45 characters. */
export function validateHubName(name: string): string {
    if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(name)) {
        throw new SettingsError(`Task hub name '${name}' must start with a letter and be 3-45 letters or digits.`);
    }
    return name;
}

function overridable(v: unknown): OverridableStates {
    try {
        return parseOverridableStates(v);
    } catch (err: unknown) {
        throw new SettingsError(err instanceof Error ? err.message : String(err));
    }
}

/** The parts of host.json the dev host honours; defaults are the real host's. */
export function readHostConfig(appRoot: string, env: Env = process.env): HostConfig {
    const file = path.join(appRoot, 'host.json');
    let raw: Json = {};
    if (existsSync(file)) {
        try {
            raw = obj(JSON.parse(readFileSync(file, 'utf8')));
        } catch (err: unknown) {
            throw new SettingsError(`host.json is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
        }
    }
    const ext = obj(raw.extensions);
    const http = obj(ext.http);
    const durable = obj(ext.durableTask);
    const queues = obj(ext.queues);
    const blobs = obj(ext.blobs);
    const prefix = typeof http.routePrefix === 'string' ? http.routePrefix : 'api';
    const hub = typeof durable.hubName === 'string' ? resolveSettingRefs(durable.hubName, env) : 'TestHubName';
    return {
        routePrefix: prefix.replace(/^\/+|\/+$/g, ''),
        hubName: validateHubName(hub),
        maxConcurrentActivityFunctions: positiveInt(
            durable.maxConcurrentActivityFunctions,
            10,
            'maxConcurrentActivityFunctions',
        ),
        maxConcurrentOrchestratorFunctions: positiveInt(
            durable.maxConcurrentOrchestratorFunctions,
            10,
            'maxConcurrentOrchestratorFunctions',
        ),
        maxDequeueCount: positiveInt(queues.maxDequeueCount, 5, 'maxDequeueCount'),
        maxBlobParallelism: positiveInt(
            blobs.maxDegreeOfParallelism,
            8 * cpus().length,
            'blobs.maxDegreeOfParallelism',
        ),
        overridableExistingInstanceStates: overridable(durable.overridableExistingInstanceStates),
    };
}
