import { existsSync, readFileSync } from 'node:fs';

export class SettingsError extends Error {
    override name = 'SettingsError';
}

export type Env = Record<string, string | undefined>;

/**
 * Copies local.settings.json `Values` into the environment, as Core Tools does; variables already
 * set win, so a shell export overrides the file. Returns the names it set (never the values).
 */
export function loadLocalSettings(file: string, env: Env = process.env): string[] {
    if (!existsSync(file)) return [];
    let parsed: unknown;
    try {
        parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err: unknown) {
        throw new SettingsError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    const values = (parsed as { Values?: unknown }).Values;
    if (values === undefined) return [];
    if (typeof values !== 'object' || values === null) throw new SettingsError(`${file}: "Values" must be an object.`);
    const set: string[] = [];
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
        if (env[key] !== undefined) continue;
        env[key] = typeof value === 'string' ? value : JSON.stringify(value);
        set.push(key);
    }
    return set;
}

/** `%NAME%` references resolved from app settings, as the host does for binding expressions. */
export function resolveSettingRefs(value: string, env: Env = process.env): string {
    return value.replace(/%([^%]+)%/g, (_m, name: string) => {
        const v = env[name];
        if (v === undefined) throw new SettingsError(`App setting '${name}' is referenced but not set.`);
        return v;
    });
}

/** `AzureWebJobs.<Name>.Disabled=true` disables a function, as on the real host. */
export function isFunctionDisabled(name: string, env: Env = process.env): boolean {
    const v = env[`AzureWebJobs.${name}.Disabled`] ?? env[`AzureWebJobs_${name}_Disabled`];
    return v !== undefined && /^(true|1)$/i.test(v.trim());
}
