import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { journalLines } from '../../../fixtures/sample-app/journal';
import { SAMPLE_APP_ROOT, sampleSettings } from '../sampleHost';
import { ChildHost, eventually, spawnHost, testStorage } from '../../../helpers/environment';

/** `node main.js` on the sample app as its own process (a short lease: the killed activity re-runs soon). */
const spawnSampleHost = (env: Record<string, string>, stateDir: string): Promise<ChildHost> =>
    spawnHost({ appRoot: SAMPLE_APP_ROOT, env, stateDir, leaseMs: 1000 });

describe('crash and resume (SIGKILL)', () => {
    const children: ChildHost[] = [];

    after(() => {
        for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    });

    it('resumes an orchestration after the host is killed mid-activity and mid-timer, re-running only the interrupted activity', async () => {
        const storage = await testStorage();
        const env = sampleSettings(storage.connectionString, {
            'AzureWebJobs.Tick.Disabled': 'true',
            'AzureWebJobs.OnUpload.Disabled': 'true',
            'AzureWebJobs.PoisonPill.Disabled': 'true',
        });
        const stateDir = env.SAMPLE_STATE_DIR;
        const journal = (): string[] => journalLines(env.SAMPLE_JOURNAL);
        const has = (line: string): boolean => journal().includes(line);

        let host = await spawnSampleHost(env, stateDir);
        children.push(host);
        const keys = JSON.parse(readFileSync(path.join(stateDir, 'keys.json'), 'utf8')) as { durableSystem: string };
        const statusOf = async (
            origin: string,
        ): Promise<{ runtimeStatus: string; customStatus: { stage?: string } | null; output: unknown }> => {
            const res = await fetch(
                `${origin}/runtime/webhooks/durabletask/instances/crash-1?code=${keys.durableSystem}`,
            );
            return (await res.json()) as {
                runtimeStatus: string;
                customStatus: { stage?: string } | null;
                output: unknown;
            };
        };

        const input = { name: 'Kay', key: 'crash-1', slowMs: 2500, timerMs: 1500, failTimes: 1 };
        const started = await fetch(`${host.origin}/api/orchestrators/Pipeline/crash-1`, {
            method: 'POST',
            body: JSON.stringify(input),
        });
        assert.equal(started.status, 202);

        // Kill 1: while the slow activity is running (Greet already completed).
        await eventually(() => (has('Slow-start crash-1') ? true : undefined), 'slow activity to start');
        await host.kill9();
        assert.ok(!has('Slow-end crash-1'), 'killed before the slow activity finished');

        // Kill 2: while the durable timer is pending (fan-out done).
        host = await spawnSampleHost(env, stateDir);
        children.push(host);
        const origin2 = host.origin;
        await eventually(
            async () => ((await statusOf(origin2)).customStatus?.stage === 'timer' ? true : undefined),
            'timer stage',
        );
        await host.kill9();

        // Third process finishes it.
        host = await spawnSampleHost(env, stateDir);
        children.push(host);
        const origin3 = host.origin;
        await eventually(
            async () => ((await statusOf(origin3)).customStatus?.stage === 'waiting' ? true : undefined),
            'waiting for approval',
        );
        const raised = await fetch(
            `${origin3}/runtime/webhooks/durabletask/instances/crash-1/raiseEvent/Approve?code=${keys.durableSystem}`,
            {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify('yes'),
            },
        );
        assert.equal(raised.status, 202);
        const done = await eventually(async () => {
            const st = await statusOf(origin3);
            return st.runtimeStatus === 'Running' || st.runtimeStatus === 'Pending' ? undefined : st;
        }, 'completion');
        assert.equal(done.runtimeStatus, 'Completed');
        assert.deepEqual(done.output, {
            greeting: 'Hello Kay',
            slow: 'slept 2500',
            squares: [1, 4, 9],
            flaky: { attempts: 2 },
            child: 26,
            approval: 'yes',
        });

        const j = journal();
        const n = (line: string): number => j.filter((l) => l === line).length;
        assert.equal(n('Greet Kay'), 1, 'completed before the crash: not re-run');
        assert.equal(n('Slow-start crash-1'), 2, 'interrupted by the crash: run again');
        assert.equal(n('Slow-end crash-1'), 1);
        for (const x of [1, 2, 3, 5]) assert.equal(n(`Square ${x}`), 1, `Square ${x} once`);
        assert.equal(n('Flaky crash-1'), 2, 'one failure, one success');
        await host.kill9();
    });
});
