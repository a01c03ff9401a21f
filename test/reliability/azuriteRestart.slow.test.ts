import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { BlobServiceClient } from '@azure/storage-blob';

import type { AzuriteInstance } from '../../src/local/common/azurite';
import { classificationCsv, toText } from '../../src/local/samples';
import type { StudioServer } from '../../src/local/studio/server';
import { seedForTargets } from '../helpers/demoTargets';
import { appConfig, churnLike } from './appConfig';
import { ChildHost, eventually, privateAzurite, spawnHost, startStudio } from '../helpers/environment';
import { api, jobsOfRun, runsOf, scoreRetrained, stepOf } from './kit';
import { findSecrets } from './secrets';

/**
 * Storage goes away mid-run: Azurite (its own instance, persisted to disk) is stopped while the
 * job trains and started again on the same ports. The host and the studio ride it out.
 */
describe('Azurite restarted mid-run', () => {
    let azurite: AzuriteInstance | undefined;
    let studio: StudioServer | undefined;
    let host: ChildHost | undefined;
    const output: string[] = [];
    after(async () => {
        await host?.kill9();
        await studio?.close();
        await azurite?.stop();
    });

    it('the run finishes Promoted with one job, one PATCH and one record', async (t) => {
        const location = mkdtempSync(path.join(tmpdir(), 'retrainer-azurite-'));
        azurite = await privateAzurite({ location });
        const ports = { blobPort: azurite.blobPort, queuePort: azurite.queuePort, tablePort: azurite.tablePort };
        const studioDir = mkdtempSync(path.join(tmpdir(), 'retrainer-studio-'));
        studio = await startStudio({
            seed: seedForTargets((w) => [churnLike(w, 'outage')]),
            stateDir: studioDir,
            logs: output,
            connectionString: azurite.connectionString,
        });
        const cfg = appConfig(azurite.connectionString, studio.url, (w) => [churnLike(w, 'outage')]);
        const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
        const data = blobs.getContainerClient(cfg.where.dataContainer);
        await data.create();
        const text = await toText(classificationCsv({ rows: 1500, seed: 31 }));
        await data.getBlockBlobClient('outage/a.csv').upload(text, Buffer.byteLength(text));
        studio.faults.set('churn-training', { jobDurationInMs: 5000 });
        host = await spawnHost({ env: cfg.env, stateDir: path.join(cfg.dir, 'devhost'), output });
        const h = host;
        const k = h.keys.functionDefault;
        assert.equal((await api(h.origin, k, 'retrain/outage', { method: 'POST' })).status, 202);
        await eventually(
            async () => ((await stepOf(h.origin, k, 'outage')) === 'training' ? true : undefined),
            'training',
        );

        const down = Date.now();
        await azurite.stop();
        // A simulated outage, not a wait for a condition: storage stays away 2 s while the job trains.
        await new Promise((r) => setTimeout(r, 2000));
        azurite = await privateAzurite({ location, ...ports });
        t.diagnostic(`storage down for ${Date.now() - down} ms while the job trained`);

        const [run, ...more] = await eventually(
            async () => {
                try {
                    const r = await runsOf(h.origin, k, 'outage');
                    return r.length > 0 ? r : undefined;
                } catch {
                    return undefined; // the API answers 5xx while storage is away
                }
            },
            'the run record',
            90_000,
            200,
        );
        assert.equal(run.state, 'Promoted', run.reason);
        assert.equal(more.length, 0, 'one run record');
        assert.equal(jobsOfRun(studioDir, 'outage', run.runId).length, 1, 'one BES job');
        assert.equal(studio.stats().operations.patchEndpoint ?? 0, 1, 'one PATCH');
        assert.deepEqual(await scoreRetrained(studio.url, 'outage'), ['0', '1']);
        assert.deepEqual(findSecrets([...output, JSON.stringify(run)].join('\n')), []);
    });
});
