/**
 * Where to follow a target's run on this app, from the request's own URL (so under any route
 * prefix): `statusUrl` is GET {prefix}/targets/{target} (its `inFlight` step), `runsUrl` GET
 * {prefix}/runs?target= (the run records, newest first).
 */
export function ownLinks(requestUrl: string, target: string): { statusUrl: string; runsUrl: string } {
    const url = new URL(requestUrl);
    const prefix = url.pathname.replace(/\/retrain\/[^/]*\/?$/i, '');
    const t = encodeURIComponent(target);
    return { statusUrl: `${url.origin}${prefix}/targets/${t}`, runsUrl: `${url.origin}${prefix}/runs?target=${t}` };
}
