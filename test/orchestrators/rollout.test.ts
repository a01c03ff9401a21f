import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CLAIM_HELD } from '../../src/orchestrators/claims';
import {
    Activities,
    CheckDeploymentInput,
    LiveCheck,
    OperationProgress,
    RetrainInput,
    RunRecord,
    SetTrafficInput,
    TargetPlan,
} from '../../src/orchestrators/contracts';
import { retrainOrchestrator } from '../../src/orchestrators/retrain';
import { Answer, beforeVerdict, fakePlan, fakeRollout, FakeTask, runFake } from '../helpers/fakeOrchestration';

const job = {
    jobId: 'retrain-churn-r1',
    modelOutput: {
        baseLocation: 'azureml://datastores/workspaceblobstore/paths/',
        relativeLocation: 'azureml/j/model/',
    },
    evaluationOutput: {
        baseLocation: 'azureml://datastores/workspaceblobstore/paths/',
        relativeLocation: 'azureml/j/metrics/',
    },
};
const plan: TargetPlan = fakePlan({
    verify: { attempts: 1, intervalInMs: 15_000 },
    outbox: false,
    stableRunId: true,
    rollout: fakeRollout,
});
const START = new Date('2026-01-01T00:00:00Z');
const input: RetrainInput = { target: 'churn', trigger: { kind: 'http', blobNames: ['churn/a.csv'] } };
const NEW = 'churn-1a2b3c4d';
const model = {
    modelId: '/subscriptions/s/.../models/churn/versions/r1',
    name: 'churn',
    version: 'r1',
    modelUri: 'azureml://datastores/workspaceblobstore/paths/azureml/j/model/',
};

interface Script {
    /** Polls answered InProgress before an operation succeeds (default 1). */
    pollsBeforeDone?: number;
    /** The outcome of every poll of this operation kind once done. */
    operationEnds?: (op: { kind: string; deployment?: string }) => OperationProgress;
    check?: (input: CheckDeploymentInput) => LiveCheck;
    serving?: string | null;
    earlier?: string[];
    /** How many times a claimed step answers "pending" first. */
    pendingFirst?: number;
    traffic?: (input: SetTrafficInput) => Answer;
    /** The check activity fails (beyond its retries) for these inputs. */
    checkFails?: (input: CheckDeploymentInput) => boolean;
    /** The deleteDeployment answer for a deployment, instead of a begun delete. */
    deletion?: (deployment: string) => Answer | undefined;
}

/** Runs the retrain orchestrator for an azureml plan with scripted activity answers. */
function run(script: Script = {}) {
    const polls = new Map<string, number>();
    const pending = new Map<string, number>();
    const answer = (task: FakeTask): Answer => {
        if (task.kind === 'timer') return { value: undefined };
        if (task.kind !== 'activity') throw new Error(`unexpected ${task.kind}`);
        const claimed = (value: unknown): Answer => {
            const seen = pending.get(task.name) ?? 0;
            if (seen < (script.pendingFirst ?? 0)) {
                pending.set(task.name, seen + 1);
                return { value: { claimPending: CLAIM_HELD, claim: 'x', retryAfterInMs: 15_000 } };
            }
            return { value };
        };
        const early = beforeVerdict(task.name, plan, job);
        if (early) return early;
        switch (task.name) {
            case Activities.evaluate:
                return { value: { passed: true, reasons: [], metrics: { auc: 0.9 }, comparedTo: null } };
            case Activities.registerModel:
                return claimed(model);
            case Activities.beginDeployment: {
                const serving = script.serving === undefined ? 'blue' : script.serving;
                return claimed({
                    deployment: NEW,
                    serving,
                    trafficBefore: serving ? { [serving]: 100 } : {},
                    earlier: script.earlier ?? (serving ? [serving] : []),
                    operation: { kind: 'deployment', endpoint: 'churn-online', deployment: NEW, state: 's' },
                });
            }
            case Activities.pollOperation: {
                const op = (task.input as { operation: { kind: string; deployment?: string } }).operation;
                const key = JSON.stringify(op);
                const n = (polls.get(key) ?? 0) + 1;
                polls.set(key, n);
                if (n <= (script.pollsBeforeDone ?? 1)) return { value: { status: 'InProgress' } };
                return { value: script.operationEnds?.(op) ?? { status: 'Succeeded' } };
            }
            case Activities.setTraffic: {
                const i = task.input as SetTrafficInput;
                if (script.traffic) return script.traffic(i);
                return claimed({ operation: { kind: 'endpoint', endpoint: 'churn-online', state: `t-${i.label}` } });
            }
            case Activities.deleteDeployment: {
                const d = (task.input as { deployment: string }).deployment;
                const scripted = script.deletion?.(d);
                if (scripted) return scripted;
                return claimed({
                    operation: { kind: 'deleteDeployment', endpoint: 'churn-online', deployment: d, state: `d-${d}` },
                });
            }
            case Activities.checkDeployment:
                if (script.checkFails?.(task.input as CheckDeploymentInput))
                    return { error: new Error('metrics unreadable') };
                return {
                    value: script.check?.(task.input as CheckDeploymentInput) ?? { passed: true, reasons: ['ok'] },
                };
            default:
                return { value: undefined };
        }
    };
    return runFake<RunRecord>(retrainOrchestrator, input, answer, { start: START, maxSteps: 2000 });
}

const named = (calls: { name: string; input: unknown }[], name: string) => calls.filter((c) => c.name === name);
const trafficOf = (calls: { name: string; input: unknown }[]) =>
    named(calls, Activities.setTraffic).map((c) => c.input as SetTrafficInput);

describe('Azure ML v2 rollout (orchestrator)', () => {
    it('registers, deploys beside the serving one, checks it alone, then 10 -> 50 -> 100 with a bake each', () => {
        const r = run();
        assert.equal(r.output.state, 'Promoted', r.output.reason);
        // The order of side effects: model, deployment, golden rows at the deployment, then the steps.
        const order = r.calls
            .map((c) => c.name)
            .filter((n) => n !== Activities.pollOperation && n !== Activities.record && n !== Activities.loadPlan);
        assert.deepEqual(order.slice(order.indexOf(Activities.registerModel)), [
            Activities.registerModel,
            Activities.beginDeployment,
            Activities.checkDeployment,
            Activities.setTraffic,
            Activities.checkDeployment,
            Activities.setTraffic,
            Activities.checkDeployment,
            Activities.setTraffic,
            Activities.checkDeployment,
        ]);
        assert.deepEqual(
            trafficOf(r.calls).map((t) => [t.label, t.traffic]),
            [
                ['10', { blue: 90, [NEW]: 10 }],
                ['50', { blue: 50, [NEW]: 50 }],
                ['100', { [NEW]: 100 }],
            ],
        );
        for (const t of trafficOf(r.calls)) {
            assert.equal(
                Object.values(t.traffic).reduce((a, b) => a + b, 0),
                100,
                'every map written sums to 100',
            );
        }
        const checks = named(r.calls, Activities.checkDeployment).map((c) => c.input as CheckDeploymentInput);
        assert.equal(checks[0].via, 'deployment');
        assert.equal(checks[0].window, undefined);
        for (const c of checks.slice(1)) {
            assert.equal(c.via, 'endpoint');
            // The window is the bake: from the step's start to the timer's end.
            assert.equal(c.window!.toMs - c.window!.fromMs, 600_000);
        }
        // Model tags come from the run: its id and its data hash.
        const reg = named(r.calls, Activities.registerModel)[0].input as { runId: string; dataHash: string };
        assert.equal(reg.dataHash, 'abcdef0123456789');
        assert.deepEqual(
            r.output.rollout?.steps.map((s) => s.percent),
            [10, 50, 100],
        );
        // keepDeployments 1 keeps blue: nothing deleted.
        assert.equal(named(r.calls, Activities.deleteDeployment).length, 0);
        assert.equal(r.output.promotion?.after.relativeLocation, 'azureml/j/model/');
        assert.ok(r.output.timings['baking'] && r.output.timings['checking-deployment']);
    });

    it('polls every operation in later activities on durable timers, never waiting in one', () => {
        const r = run({ pollsBeforeDone: 3 });
        assert.equal(r.output.state, 'Promoted');
        // Create + 3 traffic operations, each polled 4 times (3 InProgress, then done).
        assert.equal(named(r.calls, Activities.pollOperation).length, 4 * 4);
        // A durable timer after each InProgress answer (3 per operation), and a bake timer per step.
        assert.equal(r.timers.length, 3 * 4 + 3);
    });

    it('never gives traffic to a deployment failing its golden rows: deletes it, ends RolledBack', () => {
        const r = run({
            check: (i) =>
                i.via === 'deployment'
                    ? { passed: false, reasons: ["row 0: Scored Labels = '1', expected 'never'"] }
                    : { passed: true, reasons: [] },
        });
        assert.equal(r.output.state, 'RolledBack');
        assert.match(r.output.reason!, /failed its golden rows before any traffic: row 0/);
        assert.equal(trafficOf(r.calls).length, 0, 'no traffic map was written');
        assert.deepEqual(
            named(r.calls, Activities.deleteDeployment).map((c) => (c.input as { deployment: string }).deployment),
            [NEW],
        );
        assert.equal(r.output.rollout?.rolledBack, true);
        assert.equal(r.output.promotion, undefined);
    });

    it('rolls back when a live check fails during a bake: traffic back as it was, then the new one deleted', () => {
        let checks = 0;
        // The third check is the bake of the second step (the first checks the deployment alone).
        const r = run({
            check: () =>
                ++checks === 3
                    ? { passed: false, reasons: ['error rate 0.2 (4/20), at most 0.01'] }
                    : { passed: true, reasons: [] },
        });
        assert.equal(r.output.state, 'RolledBack');
        assert.match(r.output.reason!, /Live checks failed at 50% traffic .*error rate 0\.2/);
        assert.deepEqual(
            trafficOf(r.calls).map((t) => [t.label, t.traffic]),
            [
                ['10', { blue: 90, [NEW]: 10 }],
                ['50', { blue: 50, [NEW]: 50 }],
                ['rollback', { blue: 100, [NEW]: 0 }],
            ],
        );
        const last = r.calls
            .map((c) => c.name)
            .filter((n) => n !== Activities.pollOperation && n !== Activities.record);
        assert.deepEqual(last.slice(-2), [Activities.setTraffic, Activities.deleteDeployment]);
        assert.equal(r.output.rollout?.rolledBack, true);
    });

    it('counts a live check that cannot run (its activity failed beyond retries) as failed', () => {
        const r = run({ checkFails: (i) => i.via === 'endpoint' });
        assert.equal(r.output.state, 'RolledBack');
        assert.match(r.output.reason!, /Live checks failed at 10% traffic .*could not run: metrics unreadable/);
    });

    it('rolls back when a traffic change fails', () => {
        const broken = run({
            traffic: (i) =>
                i.label === '10'
                    ? { error: new Error('Azure ML begin set traffic failed (HTTP 400 UserError): InvalidTraffic') }
                    : { value: { operation: null } },
        });
        assert.equal(broken.output.state, 'RolledBack');
        assert.match(broken.output.reason!, /Setting 10% traffic .* failed .*InvalidTraffic/);
        assert.deepEqual(
            trafficOf(broken.calls).map((t) => t.label),
            ['10', 'rollback'],
        );
    });

    it('fails, deleting what was made, when the deployment cannot be created', () => {
        const r = run({
            operationEnds: (op) =>
                op.kind === 'deployment'
                    ? { status: 'Failed', error: 'Simulated provisioning failure' }
                    : { status: 'Succeeded' },
        });
        assert.equal(r.output.state, 'Failed');
        assert.match(r.output.reason!, /could not be created \(Simulated provisioning failure\)/);
        assert.equal(trafficOf(r.calls).length, 0);
        assert.equal(named(r.calls, Activities.deleteDeployment).length, 1);
    });

    it('gives up on an operation after the timeout, polling on timers until then', () => {
        const r = run({ pollsBeforeDone: 1_000 });
        assert.equal(r.output.state, 'Failed');
        assert.match(r.output.reason!, /no result within 120000 ms/);
    });

    it('retires earlier deployments beyond keepDeployments, newest kept', () => {
        const r = run({ serving: 'churn-prev', earlier: ['churn-prev', 'churn-older', 'blue'] });
        assert.equal(r.output.state, 'Promoted');
        assert.deepEqual(
            named(r.calls, Activities.deleteDeployment).map((c) => (c.input as { deployment: string }).deployment),
            ['churn-older', 'blue'],
        );
        assert.deepEqual(r.output.rollout?.retired, ['churn-older', 'blue']);
    });

    it('notes a deployment it could not retire and goes on; one already gone is not counted as retired', () => {
        const r = run({
            serving: 'churn-prev',
            earlier: ['churn-prev', 'churn-older', 'churn-oldest', 'gone', 'blue'],
            operationEnds: (op) =>
                op.kind === 'deleteDeployment' && op.deployment === 'churn-older'
                    ? { status: 'Failed', error: 'Conflict: still scoring' }
                    : { status: 'Succeeded' },
            deletion: (d) =>
                d === 'churn-oldest'
                    ? { error: new Error('HTTP 409 DeploymentHasTraffic') }
                    : d === 'gone'
                      ? { value: { operation: null } }
                      : undefined,
        });
        assert.equal(r.output.state, 'Promoted', r.output.reason);
        assert.deepEqual(
            named(r.calls, Activities.deleteDeployment).map((c) => (c.input as { deployment: string }).deployment),
            ['churn-older', 'churn-oldest', 'gone', 'blue'],
        );
        assert.deepEqual(r.output.rollout?.retired, ['blue']);
        const notes = r.output.rollout?.notes ?? [];
        assert.equal(notes.length, 2, notes.join(' | '));
        assert.equal(notes[0], "retiring deployment 'churn-older' ended Failed: Conflict: still scoring");
        assert.match(notes[1], /^retiring deployment 'churn-oldest' failed: .*HTTP 409 DeploymentHasTraffic/);
    });

    it('ends RolledBack with a note when the failed deployment cannot be deleted', () => {
        const r = run({
            check: (i) =>
                i.via === 'deployment' ? { passed: false, reasons: ['row 0 wrong'] } : { passed: true, reasons: [] },
            deletion: (d) => (d === NEW ? { error: new Error('HTTP 500 InternalError') } : undefined),
        });
        assert.equal(r.output.state, 'RolledBack');
        assert.match(
            r.output.reason!,
            /failed its golden rows before any traffic: row 0 wrong; deleting it failed too$/,
        );
        const notes = r.output.rollout?.notes ?? [];
        assert.equal(notes.length, 1, notes.join(' | '));
        assert.match(notes[0], new RegExp(`^deleting deployment '${NEW}' failed: .*HTTP 500 InternalError`));
    });

    it('without a serving deployment, the new one takes all traffic in one step', () => {
        const r = run({ serving: null });
        assert.equal(r.output.state, 'Promoted');
        assert.deepEqual(
            trafficOf(r.calls).map((t) => t.traffic),
            [{ [NEW]: 100 }],
        );
    });

    it('asks a claimed step again on a durable timer while another copy holds it', () => {
        const r = run({ pendingFirst: 2 });
        assert.equal(r.output.state, 'Promoted');
        assert.equal(named(r.calls, Activities.registerModel).length, 3);
        assert.equal(named(r.calls, Activities.beginDeployment).length, 3);
    });
});
