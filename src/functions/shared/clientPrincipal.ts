/**
 * The caller identity App Service Authentication ("Easy Auth") hands the app: the
 * `x-ms-client-principal` header, Base64-encoded JSON `{ auth_typ, claims: [{ typ, val }],
 * name_typ, role_typ }`. App Service sets it and refuses it from outside, so it is only present
 * when authentication is on for the app. Source: Microsoft Learn, "Work with user identities in
 * Azure App Service authentication",
 * https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 * ("Decode the client principal header").
 */
export const CLIENT_PRINCIPAL_HEADER = 'x-ms-client-principal';

/** Who called, as App Service Authentication says: a display name and the caller's roles. */
export interface ClientPrincipal {
    name: string;
    roles: string[];
}

/**
 * Whether App Service Authentication fronts this app (`WEBSITE_AUTH_ENABLED=True`, which App
 * Service injects): only then is the principal header real, since App Service strips it from
 * outside requests.
 */
export function easyAuthEnabled(env: Record<string, string | undefined>): boolean {
    return /^true$/i.test(env.WEBSITE_AUTH_ENABLED ?? '');
}

/** Encodes a principal the way App Service does (the dev host signs people in with it). */
export function encodeClientPrincipal(p: ClientPrincipal): string {
    return Buffer.from(
        JSON.stringify({
            auth_typ: 'aad',
            claims: [{ typ: 'name', val: p.name }, ...p.roles.map((r) => ({ typ: 'roles', val: r }))],
            name_typ: 'name',
            role_typ: 'roles',
        }),
    ).toString('base64');
}

interface RawPrincipal {
    claims?: { typ?: unknown; val?: unknown }[];
    name_typ?: unknown;
    role_typ?: unknown;
}

// Claim types the header uses when name_typ/role_typ are absent (Entra ID's defaults).
const NAME_CLAIMS = [
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name',
    'name',
    'preferred_username',
    'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn',
];
const ROLE_CLAIMS = ['http://schemas.microsoft.com/ws/2008/06/identity/claims/role', 'roles'];

/**
 * Decodes the header value. Returns undefined when there is no header; throws an Error naming the
 * header when it is present but not Base64 JSON with a name claim (a caller must not be treated as
 * anonymous because its identity could not be read).
 */
export function parseClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
    if (header === null || header === undefined || header === '') return undefined;
    let raw: RawPrincipal;
    try {
        raw = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as RawPrincipal;
    } catch {
        throw new Error(`The ${CLIENT_PRINCIPAL_HEADER} header is not Base64-encoded JSON.`);
    }
    const claims = Array.isArray(raw.claims) ? raw.claims : [];
    // In the order of `types`: the header's own name_typ/role_typ first, then the usual ones.
    const values = (types: string[]): string[] =>
        [...new Set(types)].flatMap((typ) =>
            claims.flatMap((c) => (c.typ === typ && typeof c.val === 'string' ? [c.val] : [])),
        );
    const nameTypes = typeof raw.name_typ === 'string' ? [raw.name_typ, ...NAME_CLAIMS] : NAME_CLAIMS;
    const roleTypes = typeof raw.role_typ === 'string' ? [raw.role_typ, ...ROLE_CLAIMS] : ROLE_CLAIMS;
    const name = values(nameTypes)[0];
    if (!name) throw new Error(`The ${CLIENT_PRINCIPAL_HEADER} header carries no name claim.`);
    return { name, roles: values(roleTypes) };
}

/**
 * The request's App Service principal for an HTTP route: `{ ok: true, principal }` (undefined when
 * authentication is off), or `{ ok: false, response }`, a 401 naming why the header is unreadable.
 */
export function principalOf(request: {
    headers: { get(name: string): string | null };
}):
    | { ok: true; principal: ClientPrincipal | undefined }
    | { ok: false; response: { status: 401; jsonBody: { error: string } } } {
    try {
        return { ok: true, principal: parseClientPrincipal(request.headers.get(CLIENT_PRINCIPAL_HEADER)) };
    } catch (err) {
        return {
            ok: false,
            response: { status: 401, jsonBody: { error: err instanceof Error ? err.message : 'Unreadable identity.' } },
        };
    }
}
