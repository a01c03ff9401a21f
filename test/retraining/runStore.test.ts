import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import type { RunRecord } from '../../src/orchestrators/contracts';
import { Champion, ChampionChangedError, RunStore } from '../../src/retraining/runStore';
import { testStorage, uniqueName } from '../helpers/azurite';

function record(runId: string, state: RunRecord['state'], runKey = `key-${runId}`): RunRecord {
    return {
        target: 'churn',
        runId,
        instanceId: 'retrain-churn',
        trigger: { kind: 'http' },
        state,
        manifest: { runKey, blobs: [{ name: 'churn/a.csv', etag: '"1"', contentLength: 3 }] },
        timings: { collecting: '2026-01-01T00:00:00.000Z' },
    };
}

function champion(runId: string, lineage: string[]): Champion {
    return {
        runId,
        model: { baseLocation: 'http://127.0.0.1/', relativeLocation: `models/churn/${runId}/model.ilearner` },
        metrics: { AUC: 0.9 },
        promotedAt: '2026-01-01T00:00:00.000Z',
        lineage,
    };
}

describe('RunStore (Azurite)', () => {
    let store: RunStore;
    before(async () => {
        const storage = await testStorage();
        const service = BlobServiceClient.fromConnectionString(storage.connectionString);
        store = new RunStore(service.getContainerClient(uniqueName('runs')));
        await store.ensure();
    });

    it('saves, reads and lists runs newest first, per target', async () => {
        await store.saveRun(record('20260101T000000Z-a', 'Promoted'));
        await store.saveRun(record('20260102T000000Z-b', 'Rejected'));
        await store.saveRun({ ...record('20260103T000000Z-c', 'Failed'), target: 'houses' });
        assert.deepEqual(
            (await store.listRuns('churn')).map((r) => r.runId),
            ['20260102T000000Z-b', '20260101T000000Z-a'],
        );
        assert.equal((await store.listRuns()).length, 3);
        assert.equal((await store.getRun('churn', '20260101T000000Z-a'))?.state, 'Promoted');
        assert.equal(await store.getRun('churn', 'missing'), undefined);
    });

    it('remembers run keys of judged runs only, so failed data can be retried', async () => {
        await store.saveRun(record('20260104T000000Z-d', 'Rejected', 'judged'));
        await store.saveRun(record('20260105T000000Z-e', 'Failed', 'transient'));
        assert.equal(await store.findRunByKey('churn', 'judged'), '20260104T000000Z-d');
        assert.equal(await store.findRunByKey('churn', 'transient'), undefined);
    });

    it('lets exactly one of two concurrent promotions replace the champion', async () => {
        const target = uniqueName('t');
        await store.setChampion(target, champion('r1', ['r1']), null);
        await assert.rejects(store.setChampion(target, champion('rX', ['rX']), null), ChampionChangedError);
        const current = await store.getChampion(target);
        assert.equal(current?.champion.runId, 'r1');
        const results = await Promise.allSettled([
            store.setChampion(target, champion('r2', ['r1', 'r2']), current.etag),
            store.setChampion(target, champion('r3', ['r1', 'r3']), current.etag),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
        const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.ok(loser.reason instanceof ChampionChangedError);
        const won = results.findIndex((r) => r.status === 'fulfilled');
        assert.equal((await store.getChampion(target))!.champion.runId, ['r2', 'r3'][won], 'the one that succeeded');
    });

    it('records one approval decision per run: the first of racing claims wins, the others read it', async () => {
        const fresh = new RunStore(
            BlobServiceClient.fromConnectionString((await testStorage()).connectionString).getContainerClient(
                uniqueName('runs'),
            ),
        );
        assert.equal(await fresh.getDecision('churn', 'r1'), undefined);
        const approve = { decision: 'approve' as const, by: 'ana', why: 'ok', at: '2026-01-01T00:00:00.000Z' };
        const reject = { decision: 'reject' as const, by: 'bo', why: 'no', at: '2026-01-01T00:00:01.000Z' };
        // The container does not exist yet: the first claim creates it.
        const claims = await Promise.all([
            fresh.claimDecision('churn', 'r1', approve),
            fresh.claimDecision('churn', 'r1', reject),
        ]);
        assert.equal(claims.filter((c) => c.created).length, 1, 'exactly one claim wins');
        const winner = claims.find((c) => c.created)!.decision;
        for (const c of claims) assert.deepEqual(c.decision, winner, 'the loser reads the winner');
        assert.deepEqual(await fresh.getDecision('churn', 'r1'), winner);
        assert.equal((await fresh.claimDecision('churn', 'r2', reject)).created, true, 'per run');
    });

    it('deletes the cancel requests of executions up to a time, never a later one, nor those of another instance', async () => {
        const container = BlobServiceClient.fromConnectionString(
            (await testStorage()).connectionString,
        ).getContainerClient(uniqueName('runs'));
        const fresh = new RunStore(container);
        // No container yet: nothing to delete.
        assert.equal(await fresh.releaseCancelRequestsUpTo('churn', 'retrain-churn', '2026-01-01T00:00:00.000Z'), 0);
        const asked = { by: 'ana', at: '2026-01-01T00:00:00.000Z' };
        const executions = ['2026-01-01T09:59:59.999Z', '2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.001Z'];
        for (const startedAt of executions) {
            assert.equal((await fresh.claimCancelRequest('churn', 'retrain-churn', startedAt, asked)).created, true);
        }
        assert.equal((await fresh.claimCancelRequest('houses', 'retrain-houses', executions[0], asked)).created, true);
        const names = async (): Promise<string[]> => {
            const out: string[] = [];
            for await (const b of container.listBlobsFlat({ prefix: 'cancel-requests/' })) out.push(b.name);
            return out.sort();
        };

        // The run that started at 10:00:00.000 began recording at that same instant, at the latest.
        assert.equal(await fresh.releaseCancelRequestsUpTo('churn', 'retrain-churn', executions[1]), 2);
        assert.deepEqual(await names(), [
            'cancel-requests/churn/retrain-churn-2026-01-01T10_00_00_001Z.json',
            'cancel-requests/houses/retrain-houses-2026-01-01T09_59_59_999Z.json',
        ]);
        // Again (the activity may run twice): nothing more goes.
        assert.equal(await fresh.releaseCancelRequestsUpTo('churn', 'retrain-churn', executions[1]), 0);
        // The later execution's request still stands: a second request is told who asked.
        const again = await fresh.claimCancelRequest('churn', 'retrain-churn', executions[2], { by: 'bo', at: 'x' });
        assert.deepEqual(again, { created: false, request: asked });
        // A released request can be made afresh.
        assert.equal((await fresh.claimCancelRequest('churn', 'retrain-churn', executions[0], asked)).created, true);
    });
});
