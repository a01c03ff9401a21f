import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { CustomStatus, RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget, housesTarget, Where } from '../helpers/demoTargets';
import { RunStore } from '../../src/retraining/runStore';
import { JsonAnswer, suiteApp } from './appHost';

/**
 * Human approval between the gate and the promotion, through the dev host, for a classic endpoint
 * target and an ARM web service target: approve promotes; reject and a rejecting timeout leave the
 * endpoint alone (no PATCH/PUT on the studio); an approving timeout promotes; a decision for a run
 * that is not waiting, or a second decision, is refused with 409; an identical retry counts once.
 */

type Kind = 'classic' | 'arm';
const LONG = 300_000;
const SHORT = 1500;

/** A target of `kind` named `name`, reading `{name}/*.csv`, with `approval`. */
function target(kind: Kind, name: string, approval: Record<string, unknown>) {
    return (w: Where): Record<string, unknown> => {
        const base = kind === 'classic' ? churnTarget(w) : housesTarget(w);
        const make = kind === 'classic' ? churnTarget : housesTarget;
        return make(w, { name, data: { ...(base.data as object), prefixPattern: `${name}/*.csv` }, approval });
    };
}

const TARGETS = {
    classic: {
        waits: target('classic', 'c-waits', { required: true, approvers: ['ana', 'ml-leads'], timeoutInMs: LONG }),
        rejects: target('classic', 'c-times-out', { required: true, timeoutInMs: SHORT }),
        approves: target('classic', 'c-times-out-ok', { required: true, timeoutInMs: SHORT, onTimeout: 'approve' }),
        // The route died between claiming the decision and raising the event: the run reads the claim.
        lost: target('classic', 'c-lost-event', { required: true, timeoutInMs: LONG, decisionCheckEveryInMs: 500 }),
    },
    arm: {
        waits: target('arm', 'a-waits', { required: true, approvers: ['ana', 'ml-leads'], timeoutInMs: LONG }),
        rejects: target('arm', 'a-times-out', { required: true, timeoutInMs: SHORT }),
        approves: target('arm', 'a-times-out-ok', { required: true, timeoutInMs: SHORT, onTimeout: 'approve' }),
    },
};

/** Studio operations that change what an endpoint serves. */
const UPDATE_OPS: Record<Kind, string> = { classic: 'patchEndpoint', arm: 'armPut' };

describe('approval before promotion, end to end through the dev host', () => {
    const app = suiteApp((w) =>
        [...Object.values(TARGETS.classic), ...Object.values(TARGETS.arm)].map((make) => make(w)),
    );

    const decide = (
        runId: string,
        decision: 'approve' | 'reject',
        body: unknown,
        headers: Record<string, string> = {},
    ): Promise<JsonAnswer> => app.post(`runs/${encodeURIComponent(runId)}/${decision}`, body, headers);
    const upload = async (kind: Kind, name: string, seed: number): Promise<void> => {
        const text = await toText(
            kind === 'classic' ? classificationCsv({ rows: 400, seed }) : regressionCsv({ rows: 800, seed }),
        );
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    };
    const waiting = (t: string): Promise<CustomStatus> => app.atStep(t, 'awaiting-approval');
    const recorded = (t: string, count = 1): Promise<RunRecord[]> =>
        app.until(
            `${count} run record(s) of ${t}`,
            () => app.runs(t),
            (r) => r.length >= count,
        );
    const updates = (kind: Kind): number => app.studio.stats().operations[UPDATE_OPS[kind]] ?? 0;

    it('classic: a decision claimed by a route that died before raising its event still promotes', async () => {
        const n = 'c-lost-event';
        await upload('classic', `${n}/a.csv`, 12);
        const s = await waiting(n);
        assert.ok(s.runId, JSON.stringify(s));
        // What approveRunHttp writes first; the event it would raise next never comes.
        const claim = await new RunStore(app.runsContainer).claimDecision(n, s.runId, {
            decision: 'approve',
            by: 'ana',
            why: 'claimed, event lost',
            at: new Date().toISOString(),
        });
        assert.equal(claim.created, true);
        const [run] = await recorded(n);
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(run.approval?.by, 'ana');
        assert.equal(run.approval?.why, 'claimed, event lost');
        // The route's retry now answers from the claim and the record, the same decision.
        const retried = await decide(s.runId, 'approve', { by: 'ana', why: 'claimed, event lost' });
        assert.equal(retried.status, 202, JSON.stringify(retried.body));
    });

    for (const kind of ['classic', 'arm'] as const) {
        const t = TARGETS[kind];
        const name = (make: (w: Where) => Record<string, unknown>): string =>
            make({ studioUrl: '', dataContainer: 'x', modelsContainer: 'x' }).name as string;

        it(`${kind}: approve -> Promoted; an identical retry counts once; a second decision is refused`, async () => {
            const n = name(t.waits);
            await upload(kind, `${n}/a.csv`, 11);
            const s = await waiting(n);
            assert.ok(s.runId && s.since && s.until, JSON.stringify(s));
            assert.equal(Date.parse(s.until) - Date.parse(s.since), LONG, 'until = since + timeoutInMs');
            const before = updates(kind);

            assert.equal((await decide(s.runId, 'approve', { by: 'mallory', why: 'me' })).status, 403);
            assert.equal((await decide(s.runId, 'approve', { by: 'ana' })).status, 400, 'why is required');
            // The same request sent twice at once, then once more: one decision, the same answer.
            const body = { by: 'ana', why: 'metrics reviewed' };
            const [first, racing] = await Promise.all([
                decide(s.runId, 'approve', body),
                decide(s.runId, 'approve', body),
            ]);
            assert.equal(first.status, 202, JSON.stringify(first.body));
            assert.deepEqual(racing, first);
            const retried = await decide(s.runId, 'approve', body);
            assert.deepEqual(retried, first, 'an identical retry gets the same answer');
            const second = await decide(s.runId, 'reject', { by: 'ana', why: 'changed my mind' });
            assert.equal(second.status, 409);
            assert.match(String(second.body.error), /already has a decision: approve by ana/);

            const [run] = await recorded(n);
            assert.equal(run.state, 'Promoted', run.reason);
            assert.equal(run.runId, s.runId);
            assert.deepEqual(run.approval, {
                decision: 'approve',
                outcome: 'approved',
                by: 'ana',
                why: 'metrics reviewed',
                at: first.body.at,
                since: s.since,
                until: s.until,
            });
            assert.ok(run.timings['awaiting-approval'] && run.timings.promoting);
            assert.equal(updates(kind) - before, 1, 'the endpoint updated once');
            const after = await decide(s.runId, 'approve', body);
            assert.deepEqual(after, first, 'a retry after the run ended still gets the same answer');
        });

        it(`${kind}: reject -> Rejected, endpoint unchanged; data that landed meanwhile gets the next run`, async () => {
            const n = name(t.waits);
            await app.idle(n);
            const already = (await app.runs(n)).length;
            await upload(kind, `${n}/b.csv`, 12);
            const s = await waiting(n);
            const before = updates(kind);
            // While the run waits, new data does not start a second run: the one instance is busy.
            await upload(kind, `${n}/late.csv`, 13);
            const principal = Buffer.from(
                JSON.stringify({
                    auth_typ: 'aad',
                    claims: [
                        { typ: 'name', val: 'Carol Ops' },
                        { typ: 'roles', val: 'ml-leads' },
                    ],
                    name_typ: 'name',
                    role_typ: 'roles',
                }),
            ).toString('base64');
            // The caller App Service authenticated decides (a role in approvers), whatever `by` says.
            const rejected = await decide(
                s.runId!,
                'reject',
                { by: 'someone', why: 'segment B regressed' },
                { 'x-ms-client-principal': principal },
            );
            assert.equal(rejected.status, 202, JSON.stringify(rejected.body));
            assert.equal(rejected.body.by, 'Carol Ops');

            const done = await recorded(n, already + 1);
            const run = done.find((r) => r.runId === s.runId)!;
            assert.equal(run.state, 'Rejected');
            assert.equal(run.reason, 'Rejected by Carol Ops: segment B regressed');
            assert.equal(run.approval?.decision, 'reject');
            assert.equal(run.promotion, undefined);
            assert.equal(updates(kind), before, 'no PATCH/PUT: the serving model is untouched');
            assert.ok(!run.manifest!.blobs.some((b) => b.name === `${n}/late.csv`));

            // The follow-up look after the decision finds the late file: the next run waits in turn.
            const next = (await app.until(
                `${n}: a run for the late file`,
                () => app.step(n),
                (x) => x?.step === 'awaiting-approval' && x.runId !== s.runId,
            ))!;
            const late = await decide(next.runId!, 'reject', { by: 'ana', why: 'not this week' });
            assert.equal(late.status, 202);
            const all = await recorded(n, already + 2);
            const nextRun = all.find((r) => r.runId === next.runId)!;
            assert.ok(nextRun.manifest!.blobs.some((b) => b.name === `${n}/late.csv`));
            assert.equal(nextRun.state, 'Rejected');
            assert.equal(updates(kind), before, 'still untouched');
        });

        it(`${kind}: timeout rejects by default; a decision for a run no longer waiting is a 409`, async () => {
            const n = name(t.rejects);
            const before = updates(kind);
            await upload(kind, `${n}/a.csv`, 21);
            const [run] = await recorded(n);
            assert.equal(run.state, 'Rejected', run.reason);
            assert.equal(run.approval?.decision, 'timeout');
            assert.equal(run.approval?.outcome, 'rejected');
            assert.equal(Date.parse(run.approval.until) - Date.parse(run.approval.since), SHORT);
            assert.match(run.reason!, /No approval decision before the deadline/);
            assert.equal(updates(kind), before, 'endpoint untouched');

            const late = await decide(run.runId, 'approve', { by: 'ana', why: 'too late' });
            assert.equal(late.status, 409);
            assert.equal(late.body.state, 'Rejected');
            assert.match(String(late.body.error), /is not waiting for approval: it is Rejected/);
            // A decision claimed by a request that died before raising its event, retried after the
            // deadline: the record (timeout) is the outcome, not the claim.
            const stale = JSON.stringify({ decision: 'approve', by: 'ana', why: 'lost', at: run.approval.since });
            await app.runsContainer
                .getBlockBlobClient(`approvals/${n}/${run.runId}.json`)
                .upload(stale, Buffer.byteLength(stale));
            const retried = await decide(run.runId, 'approve', { by: 'ana', why: 'lost' });
            assert.equal(retried.status, 409);
            assert.match(
                String(retried.body.error),
                /ended by timeout before this decision reached it: it is Rejected/,
            );
            assert.equal((await decide('20260101T000000000Z-nosuchrun', 'approve', { by: 'a', why: 'b' })).status, 404);
        });

        it(`${kind}: timeout with onTimeout approve promotes`, async () => {
            const n = name(t.approves);
            const before = updates(kind);
            await upload(kind, `${n}/a.csv`, 31);
            const [run] = await recorded(n);
            assert.equal(run.state, 'Promoted', run.reason);
            assert.deepEqual(
                { decision: run.approval?.decision, outcome: run.approval?.outcome, by: run.approval?.by },
                { decision: 'timeout', outcome: 'approved', by: undefined },
            );
            assert.equal(updates(kind) - before, 1, 'promoted once');
        });
    }
});
