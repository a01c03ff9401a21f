import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { RunRecord } from '../../src/orchestrators/contracts';
import { classicEndpointOf, classicServiceIdOf, retrainedKey } from '../helpers/demoTargets';

/** Calls the app's HTTP API with the function key. */
export function api(origin: string, key: string, p: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${origin}/api/${p}`, {
        ...init,
        headers: { 'x-functions-key': key, ...(init.headers ?? {}) },
    });
}

export async function runsOf(origin: string, key: string, target: string): Promise<RunRecord[]> {
    const res = await api(origin, key, `runs?target=${encodeURIComponent(target)}`);
    if (res.status !== 200) throw new Error(`GET runs answered ${res.status}`);
    return (await res.json()) as RunRecord[];
}

/** The in-flight step of the target's orchestration, as GET /api/targets/{t} shows it. */
export async function stepOf(origin: string, key: string, target: string): Promise<string | undefined> {
    const res = await api(origin, key, `targets/${encodeURIComponent(target)}`);
    if (res.status !== 200) return undefined;
    const body = (await res.json()) as { inFlight: { step: { step?: string } | null } | null };
    return body.inFlight?.step?.step;
}

export const FEATURES = ['tenure', 'monthly_charges', 'support_calls', 'contract_months'];
export const GOLDEN = [
    ['70', '25', '0', '24'],
    ['1', '115', '9', '1'],
];

/** Scores the golden rows on the classic endpoint of `target` (its own, see demoTargets): its labels, or the error status. */
export async function scoreRetrained(studioUrl: string, target: string): Promise<string[] | number> {
    const service = classicServiceIdOf(classicEndpointOf(target));
    const res = await fetch(
        `${studioUrl}/workspaces/ws-demo/services/${service}/execute?api-version=2.0&details=true`,
        {
            method: 'POST',
            headers: { Authorization: `Bearer ${retrainedKey}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({
                Inputs: { input1: { ColumnNames: FEATURES, Values: GOLDEN } },
                GlobalParameters: {},
            }),
        },
    );
    if (res.status !== 200) return res.status;
    const body = (await res.json()) as { Results: { output1: { value: { Values: string[][] } } } };
    return body.Results.output1.value.Values.map((r) => r[4]);
}

interface StudioJob {
    serviceId: string;
    status: string;
    inputs: Record<string, { RelativeLocation?: string; SasBlobToken?: string }>;
    outputs: Record<string, { RelativeLocation?: string; SasBlobToken?: string }>;
}

/** The BES jobs the studio holds in its state folder (the emulator's own record of every submit). */
export function studioJobs(stateDir: string): StudioJob[] {
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as {
        jobs: Record<string, StudioJob>;
    };
    return Object.values(state.jobs);
}

/** Jobs whose outputs go under `{target}/{runId}/`: the jobs submitted for that run. */
export function jobsOfRun(stateDir: string, target: string, runId: string): StudioJob[] {
    return studioJobs(stateDir).filter((j) =>
        Object.values(j.outputs).some((o) => o.RelativeLocation?.includes(`/${target}/${runId}/`)),
    );
}

/** Where the model the classic endpoint of `target` serves came from, per the studio's saved state. */
export function boundModel(stateDir: string, target: string): string {
    const state = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')) as {
        endpoints: Record<string, { model?: { location: { RelativeLocation: string } } }>;
    };
    return (
        state.endpoints[`ws-demo/churn-predictive/${classicEndpointOf(target)}`]?.model?.location.RelativeLocation ?? ''
    );
}
