import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { createInstance, InstanceExistsError, newInstanceRecord } from '../../../../src/local/host/durable/instances';
import { TaskHubStore } from '../../../../src/local/host/durable/store';
import { FaultLog } from '../../../../src/local/host/semantics/profile';
import { azureStarts, defaultStarts, RaceWindow } from '../../../../src/local/host/semantics/starts';
import { storageClients } from '../../../../src/local/host/storage/clients';
import { testStorage, uniqueName } from '../../../helpers/azurite';
import { uniqueHub } from '../sampleHost';

/** Starting an instance whose id exists, as host.json's overridableExistingInstanceStates says. */
describe('dev host instance creation', () => {
    let store: TaskHubStore;
    before(async () => {
        store = new TaskHubStore(storageClients((await testStorage()).connectionString), uniqueHub('Inst'));
        await store.ensure();
    });
    const rec = (id: string, input: string) => newInstanceRecord(id, 'orch', JSON.stringify(input), new Date());

    it('NonRunningStates (the default) refuses a start of a live id; AnyState replaces it', async () => {
        const id = uniqueName('inst');
        await createInstance(store, rec(id, 'first'));
        await assert.rejects(createInstance(store, rec(id, 'second')), InstanceExistsError);
        await assert.rejects(
            createInstance(store, rec(id, 'second'), undefined, defaultStarts('NonRunningStates')),
            InstanceExistsError,
        );
        assert.equal((await store.getInstance(id))!.input, '"first"');
        await createInstance(store, rec(id, 'third'), undefined, defaultStarts('AnyState'));
        assert.equal((await store.getInstance(id))!.input, '"third"');
    });

    it('azure profile: two racing starts both return, one wins, the loss is counted; a live id is refused', async () => {
        const id = uniqueName('race');
        const faults = new FaultLog();
        const starts = azureStarts(faults);
        const window = new RaceWindow();
        const racers = [rec(id, 'a'), rec(id, 'b')];
        const outcomes = await Promise.allSettled(
            racers.map((r) => createInstance(store, r, undefined, starts, window)),
        );
        assert.deepEqual(
            outcomes.map((o) => o.status),
            ['fulfilled', 'fulfilled'],
            'both starts are told they started',
        );
        const lost = faults.all().filter((f) => f.kind === 'start-race-lost-silently');
        assert.equal(lost.length, 1);
        // Which start wins is the storage race itself; the fault names the one dropped, and the
        // instance must be exactly the other one.
        const dropped = racers.filter((r) => lost[0].detail?.includes(`execution ${r.executionId})`));
        assert.equal(dropped.length, 1, lost[0].detail);
        const winner = racers.find((r) => r !== dropped[0])!;
        const stored = (await store.getInstance(id))!;
        assert.deepEqual([stored.executionId, stored.input], [winner.executionId, winner.input]);
        await assert.rejects(createInstance(store, rec(id, 'c'), undefined, starts, window), InstanceExistsError);
        assert.equal(starts.liveStartStatus, 500);
    });
});
