import { createHmac, timingSafeEqual } from 'node:crypto';

import { StudioContext, endpointKey } from './context';
import { Errors } from './errors';
import type { AuthKind, StudioRequest } from './http';

function same(a: string, b: string): boolean {
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: StudioRequest): string | undefined {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
    return m?.[1];
}

function workspaceToken(ctx: StudioContext, workspaceId: string): string | undefined {
    return ctx.seed.workspaces.find((w) => w.id === workspaceId)?.authorizationToken;
}

/** The keys that may call this BES/RRS service; 404 when the service is not at that path. */
function serviceKeys(ctx: StudioContext, req: StudioRequest): string[] {
    const ref = ctx.service(req.params.serviceId);
    const where = req.params.workspaceId ?? req.params.subscriptionId;
    const notFound = Errors.notFound(`Service '${req.params.serviceId}'`);
    if (!ref) throw notFound;
    if (ref.kind === 'training') {
        if (ref.workspaceId !== where) throw notFound;
        return [ref.seed.apiKey];
    }
    if (ref.kind === 'endpoint') {
        const e = ctx.state.endpoints[ref.endpointKey];
        if (e.workspaceId !== where) throw notFound;
        return [e.primaryKey, e.secondaryKey];
    }
    if (ref.subscriptionId !== where) throw notFound;
    return Object.values(ctx.state.armServices[ref.armKey].keys);
}

/** Offline stand-in for an Azure AD token: `studio.{expiresOnEpochMs}.{HMAC}` (see EmulatorCredential). */
function checkArmToken(ctx: StudioContext, token: string | undefined): void {
    if (!token) throw Errors.arm.unauthorized('no bearer token was sent');
    const m = /^studio\.(\d+)\.([A-Za-z0-9_-]+)$/.exec(token);
    if (!m) throw Errors.arm.unauthorized('the token is malformed');
    const expected = createHmac('sha256', ctx.seed.armTokenSecret).update(`studio.${m[1]}`).digest('base64url');
    if (!same(expected, m[2])) throw Errors.arm.unauthorized('the signature does not verify');
    if (Number(m[1]) <= ctx.now().getTime()) throw Errors.arm.unauthorized('the token has expired');
}

export function authenticate(ctx: StudioContext, kind: AuthKind, req: StudioRequest): void {
    const token = bearer(req);
    const ok = (candidates: (string | undefined)[]): void => {
        if (!token || !candidates.some((c) => c !== undefined && same(c, token))) throw Errors.unauthorized();
    };
    switch (kind) {
        case 'none':
            return;
        case 'admin': {
            const key = req.headers['x-studio-admin-key'];
            if (typeof key !== 'string' || !same(key, ctx.seed.adminKey)) throw Errors.unauthorized();
            return;
        }
        case 'arm':
            return checkArmToken(ctx, token);
        case 'adminOrArm': {
            const key = req.headers['x-studio-admin-key'];
            if (typeof key === 'string' && same(key, ctx.seed.adminKey)) return;
            return checkArmToken(ctx, token);
        }
        case 'serviceKey':
            return ok(serviceKeys(ctx, req));
        case 'workspace':
            return ok([workspaceToken(ctx, req.params.workspaceId)]);
        case 'workspaceOrEndpointKey': {
            const e =
                ctx.state.endpoints[endpointKey(req.params.workspaceId, req.params.webServiceId, req.params.name)];
            return ok([workspaceToken(ctx, req.params.workspaceId), e?.primaryKey, e?.secondaryKey]);
        }
    }
}
