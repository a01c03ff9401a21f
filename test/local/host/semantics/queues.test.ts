import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { memoryLogger } from '../../../../src/local/host/core/log';
import { FaultLog, keyedSeed, SeededRandom } from '../../../../src/local/host/semantics/profile';
import {
    AZURE_QUEUE_POLLING,
    azureQueueLoop,
    IdleBackoffLoop,
    idleCaps,
    LoopTimers,
    RandomizedExponentialBackoff,
} from '../../../../src/local/host/semantics/queues';

/**
 * A virtual clock for the loops: time moves only in `advance`, which fires due timers in order and
 * lets each poll's promise settle before the next, so every schedule is exact and no assertion
 * depends on the machine's speed.
 */
class VirtualTimers implements LoopTimers {
    #now = 0;
    #seq = 0;
    readonly #pending = new Map<number, { at: number; run: () => void }>();
    now(): number {
        return this.#now;
    }
    setTimeout(run: () => void, delayInMs: number): unknown {
        const id = ++this.#seq;
        this.#pending.set(id, { at: this.#now + delayInMs, run });
        return id;
    }
    clearTimeout(handle: unknown): void {
        this.#pending.delete(handle as number);
    }
    /** Moves the clock by `ms`, firing each due timer at its own time, earliest first. */
    async advance(ms: number): Promise<void> {
        const end = this.#now + ms;
        for (;;) {
            await settle();
            const due = [...this.#pending.entries()].sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
            if (!due || due[1].at > end) break;
            this.#pending.delete(due[0]);
            this.#now = due[1].at;
            due[1].run();
        }
        this.#now = end;
        await settle();
    }
}

/** Lets every queued promise continuation run (the loop awaits its tick, then schedules). */
const settle = () => new Promise<void>((ok) => setImmediate(ok));

/** The exact delays Azure's strategy gives for `found`, one per poll, with a fixed spread. */
function delays(min: number, cap: number, found: boolean[], random: () => number): number[] {
    const b = new RandomizedExponentialBackoff(min, cap, random);
    return found.map((f) => b.next(f));
}

describe('azure semantics: queue polling backoff (WebJobs QueueListener, DurableTask BackoffPollingHelper)', () => {
    it('follows Azure: the minimum, then min + spread * 2^(k-1) * min while empty, held at the cap', () => {
        // A spread of exactly 1 (random 0.5) shows the shape: 50, 100, 150, 250, 450, ... 30000.
        const empty = Array.from({ length: 14 }, () => false);
        assert.deepEqual(
            delays(50, 30_000, empty, () => 0.5),
            [50, 100, 150, 250, 450, 850, 1650, 3250, 6450, 12850, 25650, 30000, 30000, 30000],
        );
        // The spread is U(0.8, 1.2): its ends give the bounds of each step.
        assert.deepEqual(
            delays(100, 60_000, [false, false, false, false], () => 0),
            [100, 180, 260, 420],
        );
        const high = delays(100, 60_000, [false, false, false, false], () => 0.999_999);
        assert.deepEqual(
            high.map((d) => Math.round(d)),
            [100, 220, 340, 580],
        );
    });

    it('resets to the minimum after a poll that found messages, and grows again only while empty', () => {
        const random = new SeededRandom(7);
        const found = [false, false, false, false, false, true, false, false, true, true, false];
        const got = delays(50, 1_000, found, () => random.next());
        assert.equal(got[5], 50, 'found: the next poll at the minimum');
        assert.equal(got[8], 50);
        assert.equal(got[9], 50, 'still finding messages: still the minimum');
        for (const i of [6, 10]) {
            assert.ok(got[i] >= 50 + 0.8 * 50 && got[i] <= 50 + 1.2 * 50, `first empty poll after a find: ${got[i]}`);
        }
        assert.ok(got[7] >= 50 + 1.6 * 50 && got[7] <= 50 + 2.4 * 50, `second empty poll: ${got[7]}`);
        for (let i = 1; i < 5; i++) assert.ok(got[i] > got[i - 1], `grows while empty: ${got.join(', ')}`);
    });

    it('replays the same delays for the same seed (each loop has a seed of its own)', () => {
        const run = (seed: number) => {
            const r = new SeededRandom(seed);
            return delays(
                50,
                30_000,
                Array.from({ length: 12 }, () => false),
                () => r.next(),
            );
        };
        assert.deepEqual(run(keyedSeed(11, 'blob queue')), run(keyedSeed(11, 'blob queue')));
        assert.notDeepEqual(run(keyedSeed(11, 'blob queue')), run(keyedSeed(11, 'durable orchestrations')));
        assert.notDeepEqual(run(keyedSeed(11, 'blob queue')), run(keyedSeed(12, 'blob queue')));
    });

    it('refuses intervals Azure refuses', () => {
        assert.throws(() => new RandomizedExponentialBackoff(200, 100, Math.random), /must not exceed the cap/);
        assert.throws(() => new RandomizedExponentialBackoff(-1, 100, Math.random), /must not be negative/);
    });

    it("caps each queue at Azure's default unless the variable sets one cap for all, refused below 10x the poll", () => {
        assert.deepEqual(idleCaps({}, 250), {
            'durable-control': 30_000,
            'durable-work-item': 30_000,
            'blob-trigger': 60_000,
        });
        assert.deepEqual(idleCaps({ RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS: '1000' }, 50), {
            'durable-control': 1000,
            'durable-work-item': 1000,
            'blob-trigger': 1000,
        });
        assert.throws(
            () => idleCaps({ RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS: '400' }, 50),
            /RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS must be an integer of at least 10x the poll \(500 ms\), not '400'/,
        );
        assert.equal(AZURE_QUEUE_POLLING['durable-control'].wakesOnLocalEnqueue, false);
        assert.equal(AZURE_QUEUE_POLLING['durable-work-item'].wakesOnLocalEnqueue, true);
        assert.equal(AZURE_QUEUE_POLLING['blob-trigger'].wakesOnLocalEnqueue, true);
    });
});

describe('azure semantics: IdleBackoffLoop on a virtual clock', () => {
    /** A queue of `pending` messages drained `batch` at a time; records the time of every poll. */
    function queue(timers: VirtualTimers, pending: number, batch: number) {
        const polls: { at: number; took: number }[] = [];
        const state = { pending };
        const tick = () => {
            const took = Math.min(batch, state.pending);
            state.pending -= took;
            polls.push({ at: timers.now(), took });
            return Promise.resolve(took > 0);
        };
        return { polls, state, tick };
    }

    it('a drain that found messages polls again at the minimum: a third message waits one minimum, not the cap', async () => {
        const timers = new VirtualTimers();
        const faults = new FaultLog();
        const q = queue(timers, 0, 2);
        const random = new SeededRandom(keyedSeed(3, 'blob queue'));
        const loop = new IdleBackoffLoop('blob queue', 100, 60_000, q.tick, memoryLogger(), faults, {
            random: () => random.next(),
            timers,
        });
        loop.start();
        try {
            // Idle for a minute: the interval grows towards the cap.
            await timers.advance(60_000);
            const idleGaps = q.polls.slice(1).map((p, i) => p.at - q.polls[i].at);
            assert.ok(idleGaps.at(-1)! > 10_000, `backed off while empty: ${idleGaps.join(', ')}`);
            // Three messages land (as an Event Grid write and its duplicate would) while backed off.
            q.state.pending = 3;
            const before = q.polls.length;
            await timers.advance(300_000);
            const after = q.polls.slice(before);
            assert.equal(after[0].took, 2, 'the first poll takes two (maxDegreeOfParallelism 2)');
            assert.equal(after[1].took, 1, 'the next poll takes the third');
            assert.equal(after[1].at - after[0].at, 100, 'one minimum later, not a backed-off interval');
            assert.equal(after[2].took, 0);
            assert.equal(after[2].at - after[1].at, 100, 'found again: the minimum again');
            const emptyGaps = after.slice(3).map((p, i) => p.at - after[i + 2].at);
            assert.ok(
                emptyGaps[0] >= 180 && emptyGaps[0] <= 220,
                `then grows only while empty: ${emptyGaps.join(', ')}`,
            );
            for (let i = 1; i < emptyGaps.length; i++) assert.ok(emptyGaps[i] >= emptyGaps[i - 1]);
            assert.equal(Math.max(...emptyGaps), 60_000, 'up to the cap');
        } finally {
            await loop.stop();
        }
        assert.deepEqual(faults.counts(), {}, 'nothing was woken, so no latency fault');
    });

    it('a blob-trigger queue is woken by a local enqueue (SharedQueueWatcher.Notify): it polls at once', async () => {
        const timers = new VirtualTimers();
        const faults = new FaultLog();
        const q = queue(timers, 0, 2);
        const caps = idleCaps({}, 100);
        const loop = azureQueueLoop('blob queue', 100, q.tick, 'blob-trigger', caps, 5, memoryLogger(), faults, timers);
        loop.start();
        try {
            await timers.advance(30_000);
            const gaps = q.polls.slice(1).map((p, i) => p.at - q.polls[i].at);
            assert.ok(gaps.at(-1)! > 10_000, `backed off while empty: ${gaps.join(', ')}`);
            q.state.pending = 1;
            const before = q.polls.length;
            loop.wake();
            await timers.advance(0);
            assert.equal(q.polls.length, before + 1, 'polled at once');
            assert.deepEqual(q.polls.at(-1), { at: 30_000, took: 1 });
            await timers.advance(100);
            assert.deepEqual(q.polls.at(-1), { at: 30_100, took: 0 }, 'and again one minimum later');
        } finally {
            await loop.stop();
        }
        assert.deepEqual(faults.counts(), {});
    });

    it('a control queue is not woken (a message from another instance): it waits for the next poll, counted', async () => {
        const timers = new VirtualTimers();
        const faults = new FaultLog();
        const q = queue(timers, 0, 32);
        const loop = new IdleBackoffLoop('durable orchestrations', 50, 1_000, q.tick, memoryLogger(), faults, {
            wakesOnLocalWork: AZURE_QUEUE_POLLING['durable-control'].wakesOnLocalEnqueue,
            random: () => 0.5,
            timers,
        });
        loop.start();
        try {
            // Polls at 0, 50, 150, 300, 550, 1000, 1850, then every 1000 (the cap): 2850 ... 4850.
            await timers.advance(5_000);
            q.state.pending = 1;
            const before = q.polls.length;
            await timers.advance(10);
            loop.wake();
            await timers.advance(0);
            assert.equal(q.polls.length, before, 'a wake does not poll at once');
            assert.deepEqual(faults.counts(), { 'idle-queue-latency': 1 });
            assert.equal(faults.all()[0].detail, '840 ms until the next poll');
            await timers.advance(840);
            assert.deepEqual(q.polls.at(-1), { at: 5_850, took: 1 }, 'found at the next poll');
        } finally {
            await loop.stop();
        }
    });
});
