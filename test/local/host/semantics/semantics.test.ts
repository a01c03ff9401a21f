import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { FunctionRegistry } from '../../../../src/local/host/core/registry';
import { systemClock } from '../../../../src/local/host/durable/clock';
import { newInstanceRecord } from '../../../../src/local/host/durable/instances';
import { DurableService } from '../../../../src/local/host/durable/service';
import { TaskHubStore } from '../../../../src/local/host/durable/store';
import { azureEvents, eventGridShares, failingBlobs } from '../../../../src/local/host/semantics/events';
import { semanticsProfile } from '../../../../src/local/host/semantics/profile';
import { idleCapInMs } from '../../../../src/local/host/semantics/queues';
import { storageClients } from '../../../../src/local/host/storage/clients';
import { testStorage, uniqueName } from '../../../helpers/environment';
import { uniqueHub } from '../sampleHost';

/** The azure profile's events (c), each fault proven through the FaultLog; queue latency (e) is in queues.test.ts. */
describe('azure semantics: events and idle queues', () => {
    let store: TaskHubStore;
    before(async () => {
        store = new TaskHubStore(storageClients((await testStorage()).connectionString), uniqueHub('Sem'));
        await store.ensure();
    });

    it('drops an event raised to a Pending instance (accepted, then lost) and counts it; Running keeps it', async () => {
        const profile = semanticsProfile({ RETRAINER_HOST_SEMANTICS: 'azure' });
        const service = new DurableService(store, new FunctionRegistry(), systemClock);
        service.events = azureEvents(profile);
        const id = uniqueName('pending');
        assert.ok(await store.createInstance(newInstanceRecord(id, 'orch', 'null', new Date())));
        assert.equal(await service.raiseEvent(id, 'data-arrived', '{}'), 'accepted');
        assert.deepEqual(profile.faults.counts(), { 'event-dropped-pending': 1 });
        const running = uniqueName('running');
        assert.ok(
            await store.createInstance({
                ...newInstanceRecord(running, 'orch', 'null', new Date()),
                runtimeStatus: 'Running',
            }),
        );
        assert.equal(await service.raiseEvent(running, 'data-arrived', '{}'), 'accepted');
        assert.deepEqual(profile.faults.counts(), { 'event-dropped-pending': 1 }, 'only the Pending one');
    });

    it('validates the profile settings by name', () => {
        assert.equal(idleCapInMs({}, 250), 30_000);
        assert.throws(
            () => idleCapInMs({ RETRAINER_HOST_SEMANTICS_IDLE_CAP_MS: '2000' }, 250),
            /at least 10x the poll \(2500 ms\)/,
        );
        assert.deepEqual(eventGridShares({}), { dropShare: 0.05, duplicateShare: 0.2 });
        assert.throws(() => eventGridShares({ RETRAINER_HOST_SEMANTICS_EVENT_DROP: '2' }), /EVENT_DROP must be/);
        const profile = semanticsProfile({ RETRAINER_HOST_SEMANTICS: 'azure' });
        const fail = failingBlobs({ RETRAINER_HOST_SEMANTICS_FAIL_BLOBS: '^x/' }, profile)!;
        assert.equal(fail('x/a.csv'), true);
        assert.equal(fail('y/a.csv'), false);
        assert.deepEqual(profile.faults.counts(), { 'blob-invocation-failed': 1 });
        assert.throws(() => failingBlobs({ RETRAINER_HOST_SEMANTICS_FAIL_BLOBS: '(' }, profile), /FAIL_BLOBS/);
    });
});
