import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { HttpRequest } from '@azure/functions';

import { validateConfig } from '../../src/retraining/config';
import { handleUi, UiDeps } from '../../src/ui/handler';
import { encodeClientPrincipal } from '../../src/functions/shared/clientPrincipal';
import { churnTarget } from '../helpers/demoTargets';
import { lateCancellation } from '../helpers/fakeOrchestration';
import type { RunRecord } from '../../src/orchestrators/contracts';

const config = validateConfig({
    storage: { connectionStringSetting: 'S' },
    targets: [churnTarget({ studioUrl: 'http://127.0.0.1:1', dataContainer: 'data', modelsContainer: 'models' })],
    ui: { viewerRoles: ['Ops.Viewer'], approverRoles: ['Ops.Approver'] },
});

const decisions: { decision: string; runId: string; why: string; by: string }[] = [];

function deps(env: Record<string, string> = { WEBSITE_AUTH_ENABLED: 'True' }): UiDeps {
    return {
        decide: (decision, runId, why, principal) => {
            decisions.push({ decision, runId, why, by: principal.name });
            return Promise.resolve({ status: 202, jsonBody: { runId, decision } });
        },
        config,
        env,
        champion: () => Promise.resolve(undefined),
        runs: () => Promise.resolve([]),
        run: () => Promise.resolve(undefined),
        live: () => Promise.resolve(undefined),
    };
}

function get(path: string, roles?: string[]): HttpRequest {
    return new HttpRequest({
        method: 'GET',
        url: `http://localhost/api/ui/${path}`,
        headers: roles ? { 'x-ms-client-principal': encodeClientPrincipal({ name: 'ana@contoso.com', roles }) } : {},
    });
}

describe('status page handler: who may see it', () => {
    it('refuses to serve while App Service Authentication is not in front of the app', async () => {
        const res = await handleUi(get('api/summary', ['Ops.Viewer']), 'api/summary', deps({}));
        assert.equal(res.status, 403);
        assert.match(JSON.stringify(res.jsonBody), /App Service Authentication/);
    });

    it('asks for a sign-in without a principal, and refuses a principal without a configured role', async () => {
        assert.equal((await handleUi(get('api/summary'), 'api/summary', deps())).status, 401);
        const other = await handleUi(get('api/summary', ['Retrainer.Viewer']), 'api/summary', deps());
        assert.equal(other.status, 403);
        assert.match(JSON.stringify(other.jsonBody), /ana@contoso\.com.*Ops\.Viewer/);
    });

    it('serves a viewer the summary (no approval right) and an approver with it', async () => {
        const viewer = await handleUi(get('api/summary', ['ops.viewer']), 'api/summary', deps());
        assert.equal(viewer.status, 200);
        assert.deepEqual((viewer.jsonBody as { user: unknown }).user, { name: 'ana@contoso.com', mayApprove: false });
        const approver = await handleUi(get('api/summary', ['Ops.Approver']), 'api/summary', deps());
        assert.deepEqual((approver.jsonBody as { user: unknown }).user, { name: 'ana@contoso.com', mayApprove: true });
    });

    it('sends /api/ui to /api/ui/, where the relative asset links resolve', async () => {
        const bare = new HttpRequest({
            method: 'GET',
            url: 'http://localhost/api/ui',
            headers: {
                'x-ms-client-principal': encodeClientPrincipal({ name: 'ana@contoso.com', roles: ['Ops.Viewer'] }),
            },
        });
        const res = await handleUi(bare, '', deps());
        assert.equal(res.status, 301);
        assert.equal((res.headers as Record<string, string>).location, 'ui/');
    });

    it('serves only the listed assets, each with a strict content security policy', async () => {
        const page = await handleUi(get('', ['Ops.Viewer']), '', deps());
        assert.equal(page.status, 200);
        assert.match(String((page.headers as Record<string, string>)['content-security-policy']), /default-src 'self'/);
        assert.equal((await handleUi(get('../package.json', ['Ops.Viewer']), '../package.json', deps())).status, 404);
        assert.equal((await handleUi(get('api/targets/nope', ['Ops.Viewer']), 'api/targets/nope', deps())).status, 404);
    });
});

describe('status page handler: a run record', () => {
    it("answers the record with its metrics' names for people and a late cancel request in words", async () => {
        const record: RunRecord = {
            target: 'churn',
            runId: 'r1',
            instanceId: 'retrain-churn',
            trigger: { kind: 'http' },
            state: 'Promoted',
            timings: {},
            verdict: { passed: true, reasons: [], metrics: { auc: 0.8, recall: 0.6 }, comparedTo: null },
            cancellation: lateCancellation,
        };
        const withRun = {
            ...deps(),
            run: (t: string, id: string) => Promise.resolve(t === 'churn' && id === 'r1' ? record : undefined),
        };
        const res = await handleUi(get('api/runs/churn/r1', ['Ops.Viewer']), 'api/runs/churn/r1', withRun);
        assert.equal(res.status, 200);
        const body = res.jsonBody as RunRecord & { metricLabels: unknown; lateCancel: string };
        assert.equal(body.runId, 'r1');
        assert.deepEqual(body.cancellation, lateCancellation, 'the record as it is stored');
        assert.deepEqual(body.metricLabels, { auc: 'AUC', recall: 'Recall' });
        assert.match(body.lateCancel, /^Cancel asked by ana at .+ came too late: the run was already promoting/);
        const missing = await handleUi(get('api/runs/churn/r9', ['Ops.Viewer']), 'api/runs/churn/r9', withRun);
        assert.equal(missing.status, 404);
    });
});

describe('status page handler: approvals', () => {
    const post = (path: string, roles: string[], body: unknown, ui = true): HttpRequest =>
        new HttpRequest({
            method: 'POST',
            url: `http://localhost/api/ui/${path}`,
            headers: {
                'x-ms-client-principal': encodeClientPrincipal({ name: 'ana@contoso.com', roles }),
                'content-type': 'application/json',
                ...(ui ? { 'x-retrainer-ui': '1' } : {}),
            },
            body: { string: JSON.stringify(body) },
        });
    const path = 'api/runs/churn/r1/approve';

    it('passes an approver decision on with the principal as who decided', async () => {
        decisions.length = 0;
        const res = await handleUi(post(path, ['Ops.Approver'], { why: 'looks right' }), path, deps());
        assert.equal(res.status, 202);
        assert.deepEqual(decisions, [{ decision: 'approve', runId: 'r1', why: 'looks right', by: 'ana@contoso.com' }]);
    });

    it('refuses a viewer, a request without the page header, and a decision without a reason', async () => {
        decisions.length = 0;
        assert.equal((await handleUi(post(path, ['Ops.Viewer'], { why: 'x' }), path, deps())).status, 403);
        assert.equal((await handleUi(post(path, ['Ops.Approver'], { why: 'x' }, false), path, deps())).status, 403);
        assert.equal((await handleUi(post(path, ['Ops.Approver'], { why: ' ' }), path, deps())).status, 400);
        const other = 'api/runs/churn/r1/promote';
        assert.equal((await handleUi(post(other, ['Ops.Approver'], { why: 'x' }), other, deps())).status, 404);
        assert.deepEqual(decisions, []);
    });
});
