/**
 * The signed-in user, as App Service Authentication (Easy Auth) hands it to the app: the
 * `x-ms-client-principal` request header, Base64 JSON `{ auth_typ, claims: [{ typ, val }], name_typ,
 * role_typ }`. App Service strips the header from outside requests, so it is trusted only while
 * authentication is enabled (`WEBSITE_AUTH_ENABLED=True`, which App Service injects).
 * Contract: https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 * ("Decode the client principal header").
 */
import { CLIENT_PRINCIPAL_HEADER, parseClientPrincipal } from '../functions/shared/clientPrincipal';

export interface Principal {
    name: string;
    roles: string[];
}

export const PRINCIPAL_HEADER = CLIENT_PRINCIPAL_HEADER;

/** Whether App Service Authentication fronts this app (only then is the principal header real). */
export function easyAuthEnabled(env: Record<string, string | undefined>): boolean {
    return /^true$/i.test(env.WEBSITE_AUTH_ENABLED ?? '');
}

/**
 * Decodes the principal header (the approval routes' parser); undefined when absent or unreadable:
 * a bad header is the same as no sign-in here.
 */
export function parsePrincipal(header: string | null | undefined): Principal | undefined {
    try {
        return parseClientPrincipal(header);
    } catch {
        return undefined;
    }
}

/** Encodes a principal the way App Service does (the dev host signs people in with it). */
export function encodePrincipal(p: Principal): string {
    return Buffer.from(
        JSON.stringify({
            auth_typ: 'aad',
            claims: [{ typ: 'name', val: p.name }, ...p.roles.map((r) => ({ typ: 'roles', val: r }))],
            name_typ: 'name',
            role_typ: 'roles',
        }),
    ).toString('base64');
}
