import { Env, isFunctionDisabled } from './config/settings';
import { HostLogger } from './core/log';
import { FunctionRegistry, RegisteredFunction } from './core/registry';
import { HttpRoute } from './http/httpTrigger';

const SUPPORTED = ['httpTrigger', 'timerTrigger', 'blobTrigger', 'orchestrationTrigger', 'activityTrigger'];

/** Lists functions, naming those the host will not run (unsupported trigger or disabled). */
export function activeFunctions(registry: FunctionRegistry, env: Env, log: HostLogger): RegisteredFunction[] {
    const active: RegisteredFunction[] = [];
    if (registry.functions.size === 0) {
        log.host(
            'No functions found: did the build run, and does package.json "main" name the entry files?',
            'warning',
        );
    }
    for (const fn of registry.functions.values()) {
        if (!SUPPORTED.includes(fn.trigger.type)) {
            log.host(
                `Function '${fn.id}' has a '${fn.trigger.type}' trigger, which the dev host cannot serve; it will not run.`,
                'warning',
            );
        } else if (isFunctionDisabled(fn.id, env)) {
            log.host(`Function '${fn.id}' is disabled by app setting.`);
        } else {
            active.push(fn);
        }
    }
    return active;
}

/** One line per HTTP function with its methods, URL and auth level, as Core Tools prints them. */
export function reportRoutes(routes: HttpRoute[], origin: string, log: HostLogger): void {
    for (const r of routes)
        log.host(`${r.fn.id}: [${(r.methods ?? ['ALL']).join(',')}] ${origin}/${r.route.template} (${r.authLevel})`);
}
