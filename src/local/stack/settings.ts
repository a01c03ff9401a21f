import { loadLocalSettings } from '../host/config/settings';

/**
 * The `Values` of local.settings.json (absent file: none). Placeholders copied from
 * local.settings.sample.json (`<...>`) are left out, so the demo seed's keys still apply.
 * @throws SettingsError when the file is not valid JSON or `Values` is not an object.
 */
export function localSettings(file: string): Record<string, string> {
    const scratch: Record<string, string | undefined> = {};
    loadLocalSettings(file, scratch);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(scratch)) {
        if (v !== undefined && !/^<.*>$/s.test(v.trim())) out[k] = v;
    }
    return out;
}

/** `UseDevelopmentStorage=true` means this stack's Azurite, whichever ports it listens on. */
export function withStackStorage(settings: Record<string, string>, connectionString: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) {
        out[k] = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(v) ? connectionString : v;
    }
    return out;
}
