import assert from 'node:assert/strict';

import type { CustomStatus, RunRecord } from '../../../src/orchestrators/contracts';
import type { AppUnderTest } from '../appHost';

/** What the terminated-run e2e tests share: API calls, a bounded poll, and an operator's terminate. */
type Call = (p: string, init?: RequestInit) => Promise<Response>;

export function helpers(app: () => AppUnderTest) {
    const call: Call = (p, init = {}) =>
        fetch(`${app().host.origin}/api/${p}`, {
            ...init,
            headers: { 'x-functions-key': app().host.keys.functionDefault, ...(init.headers ?? {}) },
        });
    async function until<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
        for (let i = 0; i < 1200; i++) {
            const v = await probe();
            if (check(v)) return v;
            await new Promise((ok) => setTimeout(ok, 50));
        }
        // The polling requests and the per-second timer are noise in the log.
        const log = app().logs.filter((l) => !/Functions\.(targetsHttp|runsHttp|retrainTimer)'/.test(l));
        throw new Error(`${what}; host log:\n${log.slice(-40).join('\n')}`);
    }
    const step = async (): Promise<CustomStatus | undefined> =>
        ((await (await call('targets/churn')).json()) as { inFlight: { step: CustomStatus | null } | null }).inFlight
            ?.step ?? undefined;
    const runs = async (): Promise<RunRecord[]> => (await (await call('runs?target=churn')).json()) as RunRecord[];
    /** Terminates the target's instance through the durable HTTP API, as an operator would. */
    const terminate = async (reason: string): Promise<void> => {
        const base = `${app().host.origin}/runtime/webhooks/durabletask/instances/retrain-churn/terminate`;
        const res = await fetch(
            `${base}?reason=${encodeURIComponent(reason)}&code=${encodeURIComponent(app().host.keys.durableSystem)}`,
            { method: 'POST' },
        );
        assert.equal(res.status, 202, await res.text());
        await until(
            'the instance was never terminated',
            async () => ((await (await call('targets/churn')).json()) as { inFlight: unknown }).inFlight,
            (f) => f === null || f === undefined,
        );
    };
    return { call, until, step, runs, terminate };
}
