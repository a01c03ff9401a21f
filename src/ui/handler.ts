import type { HttpRequest, HttpResponseInit } from '@azure/functions';

import {
    CLIENT_PRINCIPAL_HEADER,
    ClientPrincipal,
    easyAuthEnabled,
    parseClientPrincipal,
} from '../functions/shared/clientPrincipal';
import type { RunRecord } from '../orchestrators/contracts';
import type { RetrainerConfig } from '../retraining/configSchema';
import type { Champion } from '../retraining/runStore';
import { UNVERIFIED_MODEL_RECENT_RUNS } from '../retraining/unverifiedModel';
import { readAsset } from './assets';

import { LiveRun, runPage, targetHistory, targetSummary } from './views';

/** What the page's API reads; injected so the handler is tested without a host. */
export interface UiDeps {
    config: RetrainerConfig;
    env: Record<string, string | undefined>;
    champion(target: string): Promise<Champion | undefined>;
    runs(target: string, limit: number): Promise<RunRecord[]>;
    run(target: string, runId: string): Promise<RunRecord | undefined>;
    live(target: string): Promise<LiveRun | undefined>;
    /**
     * Records an approve/reject decision for a run that waits for approval, as the signed-in
     * principal (the approval routes' own logic: claimed once, idempotent, 409 when not waiting).
     */
    decide(
        decision: 'approve' | 'reject',
        runId: string,
        why: string,
        principal: ClientPrincipal,
    ): Promise<HttpResponseInit>;
}

/** A browser form cannot send this header cross-site without a CORS preflight the app never grants. */
const UI_REQUEST_HEADER = 'x-retrainer-ui';

/** Every answer of the page says: no caching of data, no framing, no script but our own. */
const SECURITY_HEADERS = {
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy':
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

function json(status: number, body: unknown): HttpResponseInit {
    return { status, jsonBody: body, headers: SECURITY_HEADERS };
}

/**
 * `/api/ui/{*path}`: the status page and its small JSON API. The function key never reaches the
 * browser: the route is anonymous at the Functions level and every request must carry a principal
 * App Service Authentication signed in (see functions/shared/clientPrincipal.ts) holding one of the config's viewer roles.
 *
 * Routes: `` (the page), `app.js`, `app.css`, `chart.umd.js`; `api/summary` (every target, for the
 * refresh), `api/targets/{name}` (metric history and lineage; both with `unverifiedModel`), `api/runs/{target}/{runId}` (a record, with its
 * metrics' names and any late cancel request in words: `RunPage`),
 * and `POST api/runs/{target}/{runId}/approve|reject` `{ why }` for principals with an approver role.
 */
export async function handleUi(request: HttpRequest, path: string, deps: UiDeps): Promise<HttpResponseInit> {
    if (!easyAuthEnabled(deps.env)) {
        return json(403, {
            error: 'The status page needs App Service Authentication (Entra ID) in front of the app; see docs/deploy.md.',
        });
    }
    const principal = signedIn(request.headers.get(CLIENT_PRINCIPAL_HEADER));
    if (!principal) return json(401, { error: 'Sign in to see the status page.' });
    if (!mayView(principal, deps.config)) {
        return json(403, {
            error: `'${principal.name}' has none of the roles that may see the status page (${deps.config.ui.viewerRoles.join(', ')}).`,
        });
    }
    if (!path.startsWith('api/')) {
        if (request.method !== 'GET') return json(405, { error: 'Only GET.' });
        // The page's assets are relative: /api/ui must become /api/ui/ or they resolve beside it.
        if (path === '' && !new URL(request.url).pathname.endsWith('/')) {
            return { status: 301, headers: { ...SECURITY_HEADERS, location: 'ui/' } };
        }
        const asset = await readAsset(path);
        if (!asset) return json(404, { error: `No page at '${path}'.` });
        return { status: 200, body: asset.body, headers: { ...SECURITY_HEADERS, 'content-type': asset.type } };
    }
    const parts = path.split('/').slice(1);
    const target = (name: string | undefined) => deps.config.targets.find((t) => t.name === name);
    if (request.method === 'POST' && parts[0] === 'runs' && parts.length === 4) {
        const decision = parts[3];
        if (decision !== 'approve' && decision !== 'reject') return json(404, { error: `No API at '${path}'.` });
        if (request.headers.get(UI_REQUEST_HEADER) !== '1') {
            return json(403, { error: `A decision from the status page carries the ${UI_REQUEST_HEADER} header.` });
        }
        if (!mayApprove(principal, deps.config)) {
            return json(403, {
                error: `'${principal.name}' has none of the roles that may approve (${deps.config.ui.approverRoles.join(', ')}).`,
            });
        }
        if (!target(parts[1])) return json(404, { error: `Unknown target '${parts[1]}'.` });
        let why: string;
        try {
            const body = (await request.json()) as { why?: unknown };
            why = typeof body.why === 'string' ? body.why.trim() : '';
        } catch {
            return json(400, { error: 'The body must be JSON: { "why": "..." }.' });
        }
        if (!why) return json(400, { error: 'Say why: the decision is recorded with its reason.' });
        const answer = await deps.decide(decision, parts[2] ?? '', why, principal);
        return { ...answer, headers: { ...SECURITY_HEADERS, ...(answer.headers as Record<string, string>) } };
    }
    if (request.method !== 'GET') return json(405, { error: 'Only GET.' });
    if (parts[0] === 'summary' && parts.length === 1) {
        const targets = await Promise.all(
            deps.config.targets.map(async (t) => {
                // The newest few runs, not just the last: a run that did not promote since leaves
                // an unverified model in place (unverifiedModel).
                const [champion, recent, live] = await Promise.all([
                    deps.champion(t.name),
                    deps.runs(t.name, UNVERIFIED_MODEL_RECENT_RUNS),
                    deps.live(t.name),
                ]);
                return targetSummary(t, champion, recent, live);
            }),
        );
        return json(200, {
            user: { name: principal.name, mayApprove: mayApprove(principal, deps.config) },
            targets,
        });
    }
    if (parts[0] === 'targets' && parts.length === 2) {
        const t = target(parts[1]);
        if (!t) return json(404, { error: `Unknown target '${parts[1]}'.` });
        const [runs, champion] = await Promise.all([deps.runs(t.name, 200), deps.champion(t.name)]);
        return json(200, targetHistory(t, runs, champion));
    }
    if (parts[0] === 'runs' && parts.length === 3) {
        const t = target(parts[1]);
        if (!t) return json(404, { error: `Unknown target '${parts[1]}'.` });
        const run = await deps.run(t.name, parts[2] ?? '');
        if (!run) return json(404, { error: `No run '${parts[2]}' of '${t.name}'.` });
        return json(200, runPage(t, run));
    }
    return json(404, { error: `No API at '${path}'.` });
}

/** The signed-in principal; a header that cannot be read is the same as no sign-in here (401). */
function signedIn(header: string | null): ClientPrincipal | undefined {
    try {
        return parseClientPrincipal(header);
    } catch {
        return undefined;
    }
}

function hasAny(p: ClientPrincipal, roles: readonly string[]): boolean {
    const mine = new Set(p.roles.map((r) => r.toLowerCase()));
    return roles.some((r) => mine.has(r.toLowerCase()));
}

export function mayView(p: ClientPrincipal, config: RetrainerConfig): boolean {
    return hasAny(p, config.ui.viewerRoles) || hasAny(p, config.ui.approverRoles);
}

export function mayApprove(p: ClientPrincipal, config: RetrainerConfig): boolean {
    return hasAny(p, config.ui.approverRoles);
}
