import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { encodeMessage } from '../../src/local/host/triggers/blobMessage';
import { classificationCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget, Where } from '../helpers/demoTargets';
import { AppUnderTest, startApp } from './appHost';

/**
 * Arrivals, starts and events under the dev host's `azure` semantics profile (fixed seed): blob
 * events delivered as Event Grid does (duplicated, dropped, no scan after downtime), events to
 * Pending instances dropped, racing starts both told 202, idle-queue latency on every episode. Each
 * scenario proves its fault happened from the host's FaultLog, and that every upload is trained.
 */
describe('arrivals under the azure semantics profile', () => {
    let app: AppUnderTest;
    const target = (w: Where, name: string) =>
        churnTarget(w, {
            name,
            data: { ...(churnTarget(w).data as object), prefixPattern: `${name}/*.csv` },
            debounce: { quietPeriodInMs: 500, maxWaitInMs: 4000 },
        });
    before(async () => {
        app = await startApp((w) => ['burst', 'late', 'http', 'lost', 'again'].map((n) => target(w, n)), {
            RETRAINER_HOST_SEMANTICS: 'azure',
            RETRAINER_HOST_SEMANTICS_SEED: '11',
            // 20x the 50 ms poll: idle episodes wait up to 1 s, as Azure's 30 s scaled down.
            RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS: '1000',
            RETRAINER_HOST_SEMANTICS_EVENT_DROP: '0.25',
            RETRAINER_HOST_SEMANTICS_EVENT_DUPLICATE: '0.3',
            RETRAINER_HOST_SEMANTICS_FAIL_BLOBS: '^lost/poisoned',
            RETRAINER_TIMER_SCHEDULE: '*/2 * * * * *',
        });
        assert.equal(app.host.semantics?.name, 'azure');
    });
    after(() => app?.stop());

    const faults = (kind: string) => app.host.semantics.faults.counts()[kind] ?? 0;
    const subjects = (kind: string) =>
        app.host.semantics.faults
            .all()
            .filter((f) => f.kind === kind)
            .map((f) => f.subject);
    const put = async (name: string, seed: number): Promise<void> => {
        const text = await toText(classificationCsv({ rows: 300, seed }));
        await app.data.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    };
    const runs = (t: string) => app.runs(t);
    /** Every named file is in the manifest of a run that trained (submitted a BES job). */
    const trained = (all: RunRecord[], names: string[]) =>
        names.every((n) => all.some((r) => r.job && r.manifest?.blobs.some((b) => b.name === n)));

    it('a burst of 20 files, with duplicated and dropped events, is trained, every file by a run', async () => {
        const names = Array.from({ length: 20 }, (_, i) => `burst/part-${String(i).padStart(2, '0')}.csv`);
        await Promise.all(names.map((n, i) => put(n, i + 1)));
        const all = await app.until(
            'every burst file to be trained',
            () => runs('burst'),
            (r) => trained(r, names),
        );
        const jobs = all.filter((r) => r.job).length;
        assert.ok(jobs >= 1 && jobs <= 3, `${jobs} BES jobs for one burst`);
        assert.ok(faults('blob-event-duplicated') >= 1, 'some events were delivered twice');
    });

    it('an upload during checking-for-new-data or recording, with idle-queue latency, is trained by a run', async () => {
        await put('late/first.csv', 31);
        const step = async () => (await app.step('late'))?.step;
        await app.until(
            'the run to reach its finishing steps',
            step,
            (s) => s === 'recording' || s === 'checking-for-new-data',
        );
        await put('late/second.csv', 32);
        await app.until(
            'the late upload to be trained',
            () => runs('late'),
            (r) => trained(r, ['late/first.csv', 'late/second.csv']),
        );
        assert.ok(faults('idle-queue-latency') >= 1, 'episodes waited on an idle queue');
    });

    it('50 concurrent HTTP starts: each answer is 202 with its own run or 409 with the live run links', async () => {
        const answers = await Promise.all(Array.from({ length: 50 }, () => app.post('retrain/http', {})));
        const by = (s: number) => answers.filter((a) => a.status === s);
        assert.equal(
            by(202).length + by(409).length,
            50,
            JSON.stringify(answers.filter((a) => a.status !== 202 && a.status !== 409)),
        );
        assert.ok(by(202).length >= 1);
        for (const a of by(409)) assert.match(String(a.body.statusUrl), /\/api\/targets\/http$/);
        assert.ok(faults('start-race-lost-silently') >= 1, 'racing starts were told 202 and dropped');
        // No data for this target, so each run ends Skipped at once and a later start may win again:
        // one recorded run per 202, none for a 409 (a loser told 202 by the host is not counted).
        const all = await app.until(
            'every 202 to be recorded as a run',
            () => runs('http'),
            (r) => r.length >= by(202).length,
        );
        await app.idle('http');
        assert.equal((await runs('http')).length, by(202).length, JSON.stringify(all.map((r) => r.runId)));
    });

    it('an upload whose event is dropped and one whose trigger fails for good are trained by the catch-up pass', async () => {
        const dropped = (): string[] => subjects('blob-event-dropped').filter((s) => s.includes('/lost/'));
        const catchUps = () => app.logs.filter((l) => l.includes("Catch-up: started a run of 'lost'")).length;
        const idle = () => app.idle('lost');
        // Fixed seed: upload one file at a time, each into an idle target, until the profile drops
        // one's event; every delivered one is trained by the run its trigger starts.
        const names: string[] = [];
        for (let i = 0; dropped().length === 0 && i < 12; i++) {
            await idle();
            const name = `lost/file-${i}.csv`;
            names.push(name);
            await put(name, 50 + i);
            await app.until(
                `the write of ${name} to be dropped or trained`,
                () => runs('lost'),
                (r) => dropped().some((s) => s.endsWith(`/${name}`)) || trained(r, [name]),
            );
        }
        assert.equal(dropped().length, 1, 'no event was dropped for the lost target');
        // Nothing else runs for this target now: only the catch-up pass can train the dropped file.
        const before = catchUps();
        await app.until(
            'the dropped upload to be trained',
            () => runs('lost'),
            (r) => trained(r, names),
        );
        assert.ok(catchUps() > before, 'the catch-up pass started the run for the dropped upload');

        await idle();
        const beforePoison = catchUps();
        await put('lost/poisoned.csv', 77);
        await app.until(
            'the poisoned upload to fail for good',
            () => Promise.resolve(faults('blob-invocation-failed')),
            (n) => n >= 5,
        );
        await app.until(
            'the poisoned upload to be trained',
            () => runs('lost'),
            (r) => trained(r, ['lost/poisoned.csv']),
        );
        assert.ok(catchUps() > beforePoison, 'the catch-up pass started the run for the poisoned upload');
    });

    it('a repeated Event Grid delivery of an upload a run already listed starts no run', async () => {
        const name = 'again/one.csv';
        await put(name, 90);
        await app.until(
            'the upload to be trained',
            () => runs('again'),
            (r) => trained(r, [name]),
        );
        await app.idle('again');
        const recorded = (await runs('again')).length;
        // Event Grid redelivers an event (at least once; retries for up to 24 h): the blob
        // extension queues it again, as the profile does for a duplicate, after the run has ended.
        const etag = (await app.data.getBlockBlobClient(name).getProperties()).etag ?? '';
        // The trigger's last line for the file says what it did with it (started, signalled, ...).
        const said = () => app.logs.filter((l) => l.includes(` for '${name}'`));
        const before = said().length;
        const queue = app.host.blob?.queue;
        assert.ok(queue, 'the host watches blobs');
        await queue.sendMessage(
            encodeMessage({
                Type: 'BlobTrigger',
                FunctionId: 'Host.Functions.onTrainingData',
                BlobType: 'BlockBlob',
                ContainerName: app.data.containerName,
                BlobName: name,
                ETag: etag,
            }),
        );
        const handled = await app.until(
            'the repeated delivery to be handled',
            () => Promise.resolve(said()),
            (lines) => lines.length > before,
        );
        assert.match(handled.at(-1) ?? '', /a repeated delivery/, 'the trigger knew the write');
        assert.equal(await app.inFlight('again'), null, 'no run was started');
        assert.equal((await runs('again')).length, recorded, 'no run record was added for the same write');
    });
});
