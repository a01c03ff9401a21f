import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

import type { RunView } from '../../src/cli/retrainerClient';
import { describeRun, exitCodeOf, RUN_EXIT_CODES, timeoutInMsOf, WAIT_TIMEOUT_EXIT_CODE } from '../../src/cli/wait';

type Rollout = NonNullable<RunView['rollout']>;

describe('--wait exit codes', () => {
    it('exits 0 only for Promoted and a distinct non-zero code for every other final state', () => {
        assert.equal(exitCodeOf({ state: 'Promoted' }), 0);
        const others = ['Rejected', 'Skipped', 'Failed', 'RolledBack', 'Cancelled'].map((state) =>
            exitCodeOf({ state }),
        );
        for (const code of others) assert.ok(code > WAIT_TIMEOUT_EXIT_CODE, `code ${code} collides with 0-3`);
        assert.equal(new Set(others).size, others.length, `codes ${others.join(', ')} are not distinct`);
        assert.deepEqual(Object.keys(RUN_EXIT_CODES).sort(), [
            'Cancelled',
            'Failed',
            'Promoted',
            'Rejected',
            'RolledBack',
            'Skipped',
        ]);
    });

    it('gives a state it does not know its own code rather than success', () => {
        const code = exitCodeOf({ state: 'SomethingNew' });
        assert.notEqual(code, 0);
        assert.ok(!Object.values(RUN_EXIT_CODES).includes(code));
    });
});

describe('usage errors', () => {
    it('exit 2, as the README says: a command without its arguments, and an unknown option', () => {
        const cli = path.resolve(__dirname, '../../src/cli/main.js');
        for (const args of [
            ['upload', '--wait'],
            ['retrain', '--wait'],
            ['runs', '--bogus'],
        ]) {
            const r = spawnSync(process.execPath, [cli, ...args], {
                encoding: 'utf8',
                env: { PATH: process.env.PATH },
            });
            assert.equal(r.status, 2, `retrainer ${args.join(' ')}: ${r.stderr}`);
        }
    });
});

describe('--timeout-seconds', () => {
    it('is a whole number of seconds from 1 up, in ms', () => {
        assert.equal(timeoutInMsOf('900'), 900_000);
        for (const bad of ['abc', '0', '-5', '1.5', ''])
            assert.throws(() => timeoutInMsOf(bad), { name: 'UsageError', message: new RegExp(`not '${bad}'`) });
    });

    it('a bad value exits 2 before anything is uploaded, started or cancelled (the app below answers nothing)', () => {
        const cli = path.resolve(__dirname, '../../src/cli/main.js');
        const app = ['--url', 'http://127.0.0.1:9/api', '--key=k', '--storage', 'UseDevelopmentStorage=true'];
        for (const args of [
            ['retrain', 'churn', '--wait', '--timeout-seconds', 'abc'],
            ['cancel', 'churn', '--wait', '--timeout-seconds', 'abc'],
            ['upload', 'churn-x.csv', '--wait', '--timeout-seconds', 'abc'],
        ]) {
            const r = spawnSync(process.execPath, [cli, ...args, ...app], {
                encoding: 'utf8',
                env: { PATH: process.env.PATH },
            });
            assert.deepEqual(
                { status: r.status, stderr: r.stderr.trim() },
                { status: 2, stderr: "--timeout-seconds must be a whole number of seconds from 1 up, not 'abc'." },
                `retrainer ${args.join(' ')}`,
            );
        }
    });
});

describe('describeRun: an Azure ML v2 rollout', () => {
    const base = {
        target: 'churn-v2',
        runId: 'r2',
        instanceId: 'retrain-churn-v2',
        trigger: { kind: 'blob', blobName: 'churn-v2/a.csv' },
        timings: {},
    };
    const at = '2026-11-30T08:00:00.000Z';
    const ok = { passed: true, reasons: [] };

    it('names the deployment, the traffic steps reached and the promotion', () => {
        const text = describeRun({
            ...base,
            state: 'Promoted',
            rollout: {
                model: { name: 'churn', version: 'r2' },
                deployment: 'churn-v2-r2',
                serving: 'blue',
                preTraffic: ok,
                steps: [10, 50, 100].map((percent) => ({ percent, at, check: ok })),
                retired: [],
            },
        });
        assert.equal(
            text,
            [
                "Run r2 of 'churn-v2': Promoted",
                "  rollout: model churn:r2 as deployment 'churn-v2-r2' (beside 'blue')",
                '  traffic: 10% -> 50% -> 100%',
                "  outcome: promoted: 'churn-v2-r2' takes all traffic; 'blue' kept at 0%",
            ].join('\n'),
        );
    });

    /** A run of churn-v2 whose deployment 'churn-v2-r2', beside 'blue', was rolled back. */
    const rolledBack = (
        reason: string,
        preTraffic: Rollout['preTraffic'],
        steps: Rollout['steps'],
        notes?: string[],
    ): RunView => ({
        ...base,
        state: 'RolledBack',
        reason,
        rollout: {
            deployment: 'churn-v2-r2',
            serving: 'blue',
            preTraffic,
            steps,
            retired: [],
            rolledBack: true,
            notes,
        },
    });

    it('says at which step the live checks failed, and why it rolled back, once', () => {
        const reason = "Live checks failed at 50% traffic on 'churn-v2-r2': error rate 0.2 is over 0.01";
        const text = describeRun(
            rolledBack(reason, ok, [
                { percent: 10, at, check: ok },
                { percent: 50, at, check: { passed: false, reasons: ['error rate 0.2 is over 0.01'] } },
            ]),
        );
        assert.deepEqual(text.split('\n').slice(1), [
            "  rollout: deployment 'churn-v2-r2' (beside 'blue')",
            '  traffic: 10% -> 50%, live checks failed at 50%',
            `  outcome: rolled back (traffic back on 'blue', 'churn-v2-r2' deleted): ${reason}`,
        ]);
    });

    it('says a deployment whose golden rows failed never got traffic', () => {
        const reason = "Deployment 'churn-v2-r2' failed its golden rows before any traffic: row 1: expected '0'";
        const text = describeRun(
            rolledBack(reason, { passed: false, reasons: ["row 1: expected '0'"] }, [], ['a note for people']),
        );
        assert.deepEqual(text.split('\n').slice(2), [
            '  traffic: none (its golden rows failed first)',
            `  outcome: rolled back ('churn-v2-r2' deleted before any traffic): ${reason}`,
            '  note: a note for people',
        ]);
    });

    it('prints no rollout lines for a run without a deployment, and keeps its reason', () => {
        const text = describeRun({
            ...base,
            state: 'Failed',
            reason: 'The job failed',
            rollout: { steps: [], retired: [] },
        });
        assert.equal(text, "Run r2 of 'churn-v2': Failed\n  reason: The job failed");
    });
});

describe('describeRun: a rejected run says who or what rejected it', () => {
    const base = {
        target: 'houses',
        runId: 'r7',
        instanceId: 'retrain-houses',
        trigger: { kind: 'blob', blobName: 'houses/houses-h7k.csv' },
        state: 'Rejected',
        timings: {},
    };
    const passed = { passed: true, reasons: ['RMSE 10.2 <= 12 (threshold)'], metrics: { RMSE: 10.2 } };

    it('names the person who rejected a model the gate passed', () => {
        const reason = 'Rejected by ml-leads: forced rerun not needed';
        assert.equal(
            describeRun({ ...base, verdict: passed, reason }),
            ["Run r7 of 'houses': Rejected", '  gate: RMSE 10.2 <= 12 (threshold)', `  reason: ${reason}`].join('\n'),
        );
    });

    it('says the approval deadline passed with no decision', () => {
        const reason =
            'No approval decision before the deadline 2026-11-30T09:00:00.000Z; the timeout policy rejects the model.';
        assert.match(describeRun({ ...base, verdict: passed, reason }), new RegExp(`\\n  reason: ${reason}$`));
    });

    it("does not repeat the gate's own reasons when the gate rejected the model", () => {
        const failed = { passed: false, reasons: ['RMSE 14 > 12 (threshold)'], metrics: { RMSE: 14 } };
        assert.equal(
            describeRun({ ...base, verdict: failed, reason: 'RMSE 14 > 12 (threshold)' }),
            ["Run r7 of 'houses': Rejected", '  gate: RMSE 14 > 12 (threshold)'].join('\n'),
        );
    });
});
