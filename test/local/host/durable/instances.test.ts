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
        const outcomes = await Promise.allSettled([
            createInstance(store, rec(id, 'a'), undefined, starts, window),
            createInstance(store, rec(id, 'b'), undefined, starts, window),
        ]);
        assert.deepEqual(
            outcomes.map((o) => o.status),
            ['fulfilled', 'fulfilled'],
            'both starts are told they started',
        );
        assert.equal(faults.counts()['start-race-lost-silently'], 1);
        assert.ok(['"a"', '"b"'].includes((await store.getInstance(id))!.input ?? ''));
        await assert.rejects(createInstance(store, rec(id, 'c'), undefined, starts, window), InstanceExistsError);
        assert.equal(starts.liveStartStatus, 500);
    });
});
