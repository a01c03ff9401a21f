/**
 * Finds secrets written straight into the config file. Secrets belong in app settings (or Key
 * Vault references) and are referenced by setting NAME; a value here would end up in source
 * control and in every copy of the file. Issues name the path, never the value.
 */
const SECRET_KEY =
    /^(api[-_]?key|keys?|primary[-_]?key|secondary[-_]?key|secret|client[-_]?secret|password|token|authorization[-_]?token|sas|sas[-_]?token|sas[-_]?blob[-_]?token|connection[-_]?string|account[-_]?key)$/i;

const SECRET_VALUE: [RegExp, string][] = [
    [/AccountKey=/i, 'a storage account key'],
    [/SharedAccessSignature=/i, 'a shared access signature'],
    [/[?&]sig=|^sig=/i, 'a SAS token'],
    [/^Bearer\s/i, 'a bearer token'],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

export function findInlineSecrets(value: unknown, path = ''): string[] {
    const issues: string[] = [];
    if (typeof value === 'string') {
        for (const [re, what] of SECRET_VALUE) {
            if (re.test(value)) {
                issues.push(
                    `${path || '(root)'}: looks like ${what}; put it in an app setting and reference the setting by name`,
                );
                break;
            }
        }
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => issues.push(...findInlineSecrets(v, `${path}[${i}]`)));
    } else if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            const p = path ? `${path}.${k}` : k;
            if (SECRET_KEY.test(k)) {
                issues.push(`${p}: inline secrets are refused; use "${k}Setting" naming an app setting`);
            } else {
                issues.push(...findInlineSecrets(v, p));
            }
        }
    }
    return issues;
}

/** Every `...Setting` reference in a (validated) config, with its path. */
export function settingReferences(value: unknown, path = ''): { path: string; name: string }[] {
    const out: { path: string; name: string }[] = [];
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...settingReferences(v, `${path}[${i}]`)));
    else if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) {
            const p = path ? `${path}.${k}` : k;
            if (/Setting$/.test(k) && typeof v === 'string') out.push({ path: p, name: v });
            else out.push(...settingReferences(v, p));
        }
    }
    return out;
}
