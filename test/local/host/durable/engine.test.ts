import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Invoker } from '../../../../src/local/host/core/invoker';
import { memoryLogger } from '../../../../src/local/host/core/log';
import { systemClock } from '../../../../src/local/host/durable/clock';
import { DurableEngine } from '../../../../src/local/host/durable/engine';
import { StatusPayload } from '../../../../src/local/host/durable/service';
import { storageClients } from '../../../../src/local/host/storage/clients';
import { SampleHost, startSampleHost } from '../sampleHost';
import { eventually } from '../../../helpers/environment';

function count(lines: string[], line: string): number {
    return lines.filter((l) => l === line).length;
}

describe('durable engine through the dev host', () => {
    let s: SampleHost;

    before(async () => {
        s = await startSampleHost({
            'AzureWebJobs.Tick.Disabled': 'true',
            'AzureWebJobs.OnUpload.Disabled': 'true',
            'AzureWebJobs.PoisonPill.Disabled': 'true',
        });
    });

    after(async () => {
        await s.host.stop();
    });

    const status = (id: string): Promise<StatusPayload | undefined> => s.host.service.getStatus(id);
    const until = (id: string, pred: (st: StatusPayload) => boolean, what: string): Promise<StatusPayload> =>
        eventually(async () => {
            const st = await status(id);
            return st && pred(st) ? st : undefined;
        }, `${id}: ${what}`);
    const start = (name: string, id: string, input: unknown): Promise<Response> =>
        fetch(s.url(`/api/orchestrators/${name}/${id}`), { method: 'POST', body: JSON.stringify(input) });

    it('runs sequence, fan-out, timer, retry, sub-orchestration and an external event to the right output', async () => {
        const res = await start('Pipeline', 'pipe-1', {
            name: 'Ada',
            key: 'pipe-1',
            slowMs: 50,
            timerMs: 300,
            failTimes: 2,
        });
        assert.equal(res.status, 202);
        const links = (await res.json()) as Record<string, string>;
        assert.equal(links.id, 'pipe-1');

        // createCheckStatusResponse URLs work as they are (curl), and only with the key they carry.
        const statusUrl = links.statusQueryGetUri;
        assert.ok(statusUrl.startsWith(s.host.origin));
        assert.equal((await fetch(statusUrl)).status, 202);
        assert.equal((await fetch(statusUrl.replace(/code=[^&]+/, 'code=bad'))).status, 401);

        const waiting = await until(
            'pipe-1',
            (st) => (st.customStatus as { stage?: string } | null)?.stage === 'waiting',
            'waiting for approval',
        );
        assert.equal(waiting.runtimeStatus, 'Running');

        const raise = await fetch(links.sendEventPostUri.replace('{eventName}', 'Approve'), {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ by: 'Grace' }),
        });
        assert.equal(raise.status, 202);
        const done = await until('pipe-1', (st) => st.runtimeStatus !== 'Running', 'completion');
        assert.equal(done.runtimeStatus, 'Completed');
        assert.deepEqual(done.output, {
            greeting: 'Hello Ada',
            slow: 'slept 50',
            squares: [1, 4, 9],
            flaky: { attempts: 3 },
            child: 26,
            approval: { by: 'Grace' },
        });
        assert.deepEqual(done.customStatus, { stage: 'done' });
        const final = (await (await fetch(statusUrl)).json()) as StatusPayload;
        assert.equal(final.runtimeStatus, 'Completed');

        const j = s.journal();
        assert.equal(count(j, 'Greet Ada'), 1);
        assert.equal(count(j, 'Slow-start pipe-1'), 1);
        for (const n of [1, 2, 3, 5]) assert.equal(count(j, `Square ${n}`), 1, `Square ${n}`);
        assert.equal(count(j, 'Flaky pipe-1'), 3, 'two failures then success');
    });

    it("shows history and filters the list through the SDK's DurableClient", async () => {
        const withHistory = (await (await fetch(s.url('/api/client/status/pipe-1'))).json()) as {
            runtimeStatus: string;
        };
        assert.equal(withHistory.runtimeStatus, 'Completed');
        const completed = (await (await fetch(s.url('/api/client/list?runtimeStatus=Completed'))).json()) as {
            instanceId: string;
        }[];
        assert.ok(completed.some((i) => i.instanceId === 'pipe-1'));
        const running = (await (await fetch(s.url('/api/client/list?runtimeStatus=Running,Pending'))).json()) as {
            instanceId: string;
        }[];
        assert.ok(!running.some((i) => i.instanceId === 'pipe-1'));
    });

    it('refuses to start an id that is still running, atomically, and allows it again once finished', async () => {
        const outcomes = await Promise.allSettled(
            [1, 2, 3, 4, 5].map(() => s.host.service.startNew('Forever', 'solo', '{}')),
        );
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        const again = await start('Forever', 'solo', {});
        assert.equal(again.status, 409);
        await until('solo', (st) => st.runtimeStatus === 'Running', 'running');

        const term = await fetch(s.url('/api/client/terminate/solo?reason=enough'), { method: 'POST' });
        assert.equal(term.status, 202);
        const ended = await until('solo', (st) => st.runtimeStatus === 'Terminated', 'terminated');
        assert.equal(ended.output, 'enough');

        const gone = await fetch(
            `${s.host.binding.baseUrl}/instances/solo/raiseEvent/Never?${s.host.binding.requiredQueryStringParameters}`,
            {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: '1',
            },
        );
        assert.equal(gone.status, 410);
        assert.equal((await start('Forever', 'solo', {})).status, 202);
        await until('solo', (st) => st.runtimeStatus === 'Running', 'running again');
        await s.host.service.terminate('solo', 'cleanup');
    });

    it('purges an instance', async () => {
        const purged = (await (await fetch(s.url('/api/client/purge/pipe-1'), { method: 'DELETE' })).json()) as {
            instancesDeleted: number;
        };
        assert.equal(purged.instancesDeleted, 1);
        assert.equal(await status('pipe-1'), undefined);
        const api = await fetch(
            `${s.host.binding.baseUrl}/instances/pipe-1?${s.host.binding.requiredQueryStringParameters}`,
        );
        assert.equal(api.status, 404);
    });

    it('continues as new with fresh history until done', async () => {
        assert.equal((await start('Counter', 'counter-1', { n: 101, until: 103 })).status, 202);
        const done = await until('counter-1', (st) => st.runtimeStatus === 'Completed', 'completed');
        assert.equal(done.output, 'counted to 103');
        assert.deepEqual(done.customStatus, { n: 103 });
        assert.deepEqual(done.input, { n: 103, until: 103 });
        const j = s.journal();
        for (const n of [101, 102, 103]) assert.equal(count(j, `Square ${n}`), 1);
    });

    it('resolves Task.any by an event or by a timer', async () => {
        await start('Race', 'race-event', 60000);
        await until('race-event', (st) => st.runtimeStatus === 'Running', 'running');
        assert.equal(await s.host.service.raiseEvent('race-event', 'Go', '"now"'), 'accepted');
        const byEvent = await until('race-event', (st) => st.runtimeStatus === 'Completed', 'event win');
        assert.deepEqual(byEvent.output, { winner: 'event', value: 'now' });

        await start('Race', 'race-timer', 200);
        const byTimer = await until('race-timer', (st) => st.runtimeStatus === 'Completed', 'timer win');
        assert.deepEqual(byTimer.output, { winner: 'timeout' });
    });

    it('fails an orchestration whose activity fails, with the reason', async () => {
        await start('Failing', 'fail-1', null);
        const failed = await until('fail-1', (st) => st.runtimeStatus === 'Failed', 'failed');
        assert.match(String(failed.output), /Orchestrator function 'Failing' failed: .*this activity always fails/);
    });

    it('answers the durable API with 400 for an unknown orchestrator and 401 without the key', async () => {
        const base = s.host.binding.baseUrl;
        const q = s.host.binding.requiredQueryStringParameters;
        assert.equal((await fetch(`${base}/orchestrators/Nope?${q}`, { method: 'POST' })).status, 400);
        assert.equal((await fetch(`${base}/orchestrators/Greet?${q}`, { method: 'POST' })).status, 400);
        assert.equal((await fetch(`${base}/instances/`)).status, 401);
        assert.equal(
            (await fetch(`${base}/instances/?code=${s.host.keys.functionDefault}`)).status,
            401,
            'a function key is not enough',
        );
    });

    it('keeps results larger than one table property', async () => {
        await start('BigOne', 'big-1', 100000);
        const done = await until('big-1', (st) => st.runtimeStatus === 'Completed', 'completed');
        assert.equal(done.output, 'x'.repeat(100000));
    });

    it('never double-applies when a second engine works the same task hub', async () => {
        const second = new DurableEngine(
            storageClients(s.settings.AzureWebJobsStorage),
            s.host.registry,
            new Invoker(s.host.registry, memoryLogger()),
            memoryLogger(),
            {
                hubName: s.host.config.hubName,
                maxConcurrentActivityFunctions: 2,
                maxConcurrentOrchestratorFunctions: 4,
                pollMs: 20,
                leaseMs: 2000,
                clock: systemClock,
            },
        );
        await second.start();
        try {
            const before = s.journal();
            await start('Pipeline', 'dual-1', { name: 'Dual', key: 'dual-1', slowMs: 10, timerMs: 100, failTimes: 1 });
            await until(
                'dual-1',
                (st) => (st.customStatus as { stage?: string } | null)?.stage === 'waiting',
                'waiting',
            );
            assert.equal(await s.host.service.raiseEvent('dual-1', 'Approve', '"ok"'), 'accepted');
            const done = await until('dual-1', (st) => st.runtimeStatus !== 'Running', 'completion');
            assert.equal(done.runtimeStatus, 'Completed');
            assert.deepEqual((done.output as { squares: number[] }).squares, [1, 4, 9]);
            const after = s.journal();
            const delta = (line: string): number => count(after, line) - count(before, line);
            assert.equal(delta('Greet Dual'), 1);
            assert.equal(delta('Slow-start dual-1'), 1);
            for (const n of [1, 2, 3, 5]) assert.equal(delta(`Square ${n}`), 1, `Square ${n}`);
            assert.equal(delta('Flaky dual-1'), 2);
        } finally {
            await second.stop();
        }
    });
});
