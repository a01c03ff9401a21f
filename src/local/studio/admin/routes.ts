import { ZodError } from 'zod';

import { Errors } from '../errors';
import { Route, json, route } from '../http';

/** Test and demo controls: fault injection and call counters, behind the admin key. */
export function adminRoutes(): Route[] {
    const common = { auth: 'admin' as const, apiVersion: 'none' as const, scopes: () => [] };
    return [
        route('GET', '/_studio/health', {
            ...common,
            auth: 'none',
            handle: () => Promise.resolve(json(200, { status: 'ok' })),
        }),
        route('GET', '/_studio/stats', {
            ...common,
            handle: (ctx) => Promise.resolve(json(200, ctx.stats.snapshot())),
        }),
        route('PUT', '/_studio/faults/:scope', {
            ...common,
            handle: (ctx, req) => {
                try {
                    ctx.faults.set(req.params.scope, req.body ?? {});
                } catch (err) {
                    if (err instanceof ZodError) {
                        throw Errors.requestBodyInvalid(
                            `Invalid faults: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
                        );
                    }
                    throw err;
                }
                return Promise.resolve(json(204));
            },
        }),
        route('DELETE', '/_studio/faults/:scope', {
            ...common,
            handle: (ctx, req) => {
                ctx.faults.clear(req.params.scope);
                return Promise.resolve(json(204));
            },
        }),
        route('DELETE', '/_studio/faults', {
            ...common,
            handle: (ctx) => {
                ctx.faults.clear();
                return Promise.resolve(json(204));
            },
        }),
    ];
}
