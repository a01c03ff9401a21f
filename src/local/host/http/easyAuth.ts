import { encodePrincipal, Principal } from '../../../ui/principal';
import { HostRequest } from './types';

/** Environment variable with the development principal: JSON `{ "name", "roles" }`, or `none`. */
export const DEV_PRINCIPAL_ENV = 'RETRAINER_DEV_PRINCIPAL';

/** Who the dev host signs in when nothing else is said: may view and approve. */
export const DEFAULT_DEV_PRINCIPAL: Principal = {
    name: 'developer@localhost',
    roles: ['Retrainer.Viewer', 'Retrainer.Approver'],
};

/**
 * The development principal from the environment: the default, a given one, or none (`none`: the
 * dev host then signs nobody in, as App Service with authentication off).
 * @throws Error naming RETRAINER_DEV_PRINCIPAL when its JSON is not `{ name, roles }`.
 */
export function devPrincipal(env: Record<string, string | undefined>): Principal | undefined {
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
 * What App Service Authentication does to a request before the app sees it: headers a caller set
 * for the principal are removed (only the platform sets them), then the signed-in principal's are
 * added. Source: https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 */
export function signIn(req: HostRequest, principal: Principal | undefined): HostRequest {
    const headers: HostRequest['headers'] = {};
    for (const [k, v] of Object.entries(req.headers)) {
        if (!k.toLowerCase().startsWith('x-ms-client-principal')) headers[k] = v;
    }
    if (principal) {
        headers['x-ms-client-principal'] = encodePrincipal(principal);
        headers['x-ms-client-principal-name'] = principal.name;
        headers['x-ms-client-principal-idp'] = 'aad';
    }
    return { ...req, headers };
}
