import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { storageClients } from '../../../../src/local/host/storage/clients';
import { ScheduleStatus } from '../../../../src/local/host/triggers/timer';
import { testStorage, uniqueName } from '../../../helpers/azurite';
import { SampleHost, startSampleHost } from '../sampleHost';
import { eventually } from '../../../helpers/environment';

describe('timer trigger through the dev host', () => {
    let s: SampleHost;
    const hostId = uniqueName('timerhost');
    const missed: ScheduleStatus = {
        Last: '2020-01-01T00:00:00.000Z',
        Next: new Date(Date.now() - 3600_000).toISOString(),
        LastUpdated: '2020-01-01T00:00:00.000Z',
    };

    before(async () => {
        // A previous run left a status whose next occurrence has passed: the host must fire past due.
        const storage = await testStorage();
        const hosts = storageClients(storage.connectionString).blobs.getContainerClient('azure-webjobs-hosts');
        await hosts.createIfNotExists();
        const text = JSON.stringify(missed);
        await hosts.getBlockBlobClient(`timers/${hostId}/Tick/status`).upload(text, text.length);
        s = await startSampleHost(
            {
                SAMPLE_TICK: '*/1 * * * * *',
                'AzureWebJobs.OnUpload.Disabled': 'true',
                'AzureWebJobs.PoisonPill.Disabled': 'true',
            },
            { hostId },
        );
    });

    after(async () => {
        await s.host.stop();
    });

    const ticks = (): string[] => s.journal().filter((l) => l.startsWith('Tick '));

    it('fires a missed occurrence at start-up with isPastDue and the last run it knew', () => {
        assert.equal(ticks()[0], `Tick true ${missed.Last}`);
    });

    it('fires on its 6-field schedule and persists the schedule status', async () => {
        await eventually(() => (ticks().length >= 3 ? true : undefined), 'two scheduled ticks');
        assert.ok(
            ticks()
                .slice(1)
                .every((l) => l.startsWith('Tick false ')),
        );
        const status = await s.host.timers[0].readStatus();
        assert.ok(status);
        assert.ok(new Date(status.Last).getTime() > Date.parse(missed.Last));
        assert.ok(new Date(status.Next).getTime() > new Date(status.Last).getTime());
    });

    it('runs a timer on demand through the admin API with the master key only', async () => {
        const before = ticks().length;
        assert.equal((await fetch(s.url('/admin/functions/Tick'), { method: 'POST' })).status, 401);
        const res = await fetch(s.url('/admin/functions/Tick'), {
            method: 'POST',
            headers: { 'x-functions-key': s.host.keys.master },
        });
        assert.equal(res.status, 202);
        await eventually(() => (ticks().length > before ? true : undefined), 'manual tick');
    });
});
