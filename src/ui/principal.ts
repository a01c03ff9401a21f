/**
 * The signed-in user, as App Service Authentication (Easy Auth) hands it to the app: the
 * `x-ms-client-principal` request header, Base64 JSON `{ auth_typ, claims: [{ typ, val }], name_typ,
 * role_typ }`. App Service strips the header from outside requests, so it is trusted only while
 * authentication is enabled (`WEBSITE_AUTH_ENABLED=True`, which App Service injects).
 * Contract: https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 * ("Decode the client principal header").
 */
export interface Principal {
    name: string;
    roles: string[];
}

export const PRINCIPAL_HEADER = 'x-ms-client-principal';

interface RawPrincipal {
    auth_typ?: unknown;
    claims?: unknown;
    name_typ?: unknown;
    role_typ?: unknown;
}

const DEFAULT_NAME_TYPE = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
const DEFAULT_ROLE_TYPE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

/** Whether App Service Authentication fronts this app (only then is the principal header real). */
export function easyAuthEnabled(env: Record<string, string | undefined>): boolean {
    return /^true$/i.test(env.WEBSITE_AUTH_ENABLED ?? '');
}

/**
 * Decodes the principal header; undefined when absent or unreadable (never throws: a bad header is
 * the same as no sign-in).
 */
export function parsePrincipal(header: string | null | undefined): Principal | undefined {
    if (!header) return undefined;
    let raw: RawPrincipal;
    try {
        raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RawPrincipal;
    } catch {
        return undefined;
    }
    if (!Array.isArray(raw.claims)) return undefined;
    const nameType = typeof raw.name_typ === 'string' && raw.name_typ ? raw.name_typ : DEFAULT_NAME_TYPE;
    const roleType = typeof raw.role_typ === 'string' && raw.role_typ ? raw.role_typ : DEFAULT_ROLE_TYPE;
    const claims = (raw.claims as unknown[]).filter(
        (c): c is { typ: string; val: string } =>
            typeof (c as { typ?: unknown }).typ === 'string' && typeof (c as { val?: unknown }).val === 'string',
    );
    const name = claims.find((c) => c.typ === nameType)?.val ?? claims.find((c) => c.typ === 'name')?.val;
    if (!name) return undefined;
    const roles = claims.filter((c) => c.typ === roleType || c.typ === 'roles').map((c) => c.val);
    return { name, roles };
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
