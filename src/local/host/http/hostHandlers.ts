import { Invoker } from '../core/invoker';
import { ClientBindingData } from '../durable/clientBinding';
import { handleDurableApi, isDurableApiPath } from '../durable/httpApi';
import { DurableService } from '../durable/service';
import { TimerTrigger } from '../triggers/timer';
import { findRoute, HttpRoute, invokeHttp } from './httpTrigger';
import type { ClientPrincipal } from '../../../functions/shared/clientPrincipal';
import { signIn } from './easyAuth';
import { HostKeys } from './keys';
import { RequestHandler, requireKey } from './server';
import { HostRequest, HostResponse, json } from './types';

/** What the durable and admin routes need from the running host. */
export interface RoutedHost {
    readonly keys: HostKeys;
    readonly service: DurableService;
    readonly binding: ClientBindingData;
    readonly timers: readonly TimerTrigger[];
}

/**
 * The host's routes in the order they are tried: durable API, admin API, the app's HTTP functions,
 * then the root's status. The server listens before the host exists (the durable binding needs its
 * origin), so the first two reach the host through `current` and pass until it is there.
 */
export function hostHandlers(
    current: () => RoutedHost | undefined,
    routes: HttpRoute[],
    invoker: Invoker,
    keys: HostKeys,
    principal?: ClientPrincipal,
): RequestHandler[] {
    return [
        (req) => {
            const host = current();
            return host ? durableRequest(host, req) : Promise.resolve(undefined);
        },
        (req) => {
            const host = current();
            return host ? adminRequest(host, req) : Promise.resolve(undefined);
        },
        (req) => httpRequest(routes, invoker, keys, signIn(req, principal)),
        (req) => Promise.resolve(req.url.pathname === '/' ? json(200, { state: 'Running' }) : undefined),
    ];
}

async function httpRequest(
    routes: HttpRoute[],
    invoker: Invoker,
    keys: HostKeys,
    req: HostRequest,
): Promise<HostResponse | undefined> {
    const found = findRoute(routes, req.method, req.url.pathname);
    if (found === undefined || found === 'methodMismatch') return undefined;
    const denied = requireKey(found.route.authLevel, req, keys);
    if (denied) return denied;
    try {
        return await invokeHttp(invoker, found.route, found.params, req);
    } catch {
        return json(500, { Message: 'Exception while executing function.' });
    }
}

async function durableRequest(host: RoutedHost, req: HostRequest): Promise<HostResponse | undefined> {
    if (!isDurableApiPath(req.url.pathname)) return undefined;
    return requireKey('system', req, host.keys) ?? (await handleDurableApi(host.service, host.binding, req));
}

/** POST /admin/functions/{name}: run a timer now, as the host's admin API does. */
function adminRequest(host: RoutedHost, req: HostRequest): Promise<HostResponse | undefined> {
    const m = /^\/admin\/functions\/([^/]+)$/.exec(req.url.pathname);
    if (!m || req.method !== 'POST') return Promise.resolve(undefined);
    const denied = requireKey('admin', req, host.keys);
    if (denied) return Promise.resolve(denied);
    const timer = host.timers.find((t) => t.name === decodeURIComponent(m[1] ?? ''));
    if (!timer)
        return Promise.resolve(json(404, { Message: 'Only timer functions can be run from the admin API here.' }));
    void timer.runNow();
    return Promise.resolve({ status: 202 });
}
