import { ClientPrincipal, encodeClientPrincipal } from '../../../functions/shared/clientPrincipal';
import { HostRequest } from './types';

/** Environment variable with the development principal: JSON `{ "name", "roles" }`, or `none`. */
export const DEV_PRINCIPAL_ENV = 'RETRAINER_DEV_PRINCIPAL';

/** Who the dev host signs in when nothing else is said: may view and approve. */
export const DEFAULT_DEV_PRINCIPAL: ClientPrincipal = {
    name: 'developer@localhost',
    roles: ['Retrainer.Viewer', 'Retrainer.Approver'],
};

/**
 * The development principal from the environment: the default, a given one, or none (`none`: the
 * dev host then signs nobody in, as App Service with authentication off).
 * @throws Error naming RETRAINER_DEV_PRINCIPAL when its JSON is not `{ name, roles }`.
 */
export function devPrincipal(env: Record<string, string | undefined>): ClientPrincipal | undefined {
    const raw = env[DEV_PRINCIPAL_ENV]?.trim();
    if (!raw) return DEFAULT_DEV_PRINCIPAL;
    if (raw.toLowerCase() === 'none') return undefined;
    try {
        const p = JSON.parse(raw) as { name?: unknown; roles?: unknown };
        if (typeof p.name === 'string' && Array.isArray(p.roles) && p.roles.every((r) => typeof r === 'string')) {
            return { name: p.name, roles: p.roles };
        }
    } catch {
        // reported below
    }
    throw new Error(`${DEV_PRINCIPAL_ENV} must be 'none' or JSON {"name": "...", "roles": ["..."]}.`);
}

/**
 * Signs the development principal in for the status page (`/api/ui/`), as App Service
 * Authentication would for a browser session. Other requests (the CLI, with a function key) go as
 * they came: in Azure they carry no principal unless the caller signed in. A caller may send its own
 * `x-ms-client-principal` here to act as someone else (tests do); in Azure only the platform sets
 * that header, so this is a local convenience, not a check the app relies on.
 * Source: https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 */
export function signIn(req: HostRequest, principal: ClientPrincipal | undefined): HostRequest {
    if (!principal || req.headers['x-ms-client-principal'] !== undefined) return req;
    if (!/^\/api\/ui(\/|$)/i.test(req.url.pathname)) return req;
    return {
        ...req,
        headers: {
            ...req.headers,
            'x-ms-client-principal': encodeClientPrincipal(principal),
            'x-ms-client-principal-name': principal.name,
            'x-ms-client-principal-idp': 'aad',
        },
    };
}
