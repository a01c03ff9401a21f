import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import { CLAIM_LEASE_IN_SECONDS, ClaimHandle, readRecord, withClaim } from '../../src/activities/claim';
import { promote } from '../../src/activities/promote';
import { rollback } from '../../src/activities/rollback';
import { snapshotManifest } from '../../src/activities/snapshotManifest';
import { submitJob } from '../../src/activities/submitJob';
import { classificationCsv, toText } from '../../src/local/samples';
import { isClaimPending } from '../../src/orchestrators/claims';
import type { Promotion, SubmittedJob } from '../../src/orchestrators/contracts';
import { eventually, testStorage, uniqueName } from '../helpers/environment';
import { PipelineFixture, startPipeline, upload } from './fixture';

describe('claims: create-only marker under a blob lease (Azurite)', () => {
    let storage: Awaited<ReturnType<typeof testStorage>>;
    let container: ContainerClient;
    const now = () => new Date();
    before(async () => {
        storage = await testStorage();
        container = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient(
            uniqueName('claims'),
        );
        await container.create();
    });

    it('two copies running at once: exactly one acts, the other answers pending without waiting', async () => {
        const marker = container.getBlockBlobClient('run-1/step.json');
        let acts = 0;
        let release!: () => void;
        const held = new Promise<void>((ok) => (release = ok));
        const copy = () =>
            withClaim<never, string>(marker, { now }, async () => {
                acts += 1;
                await held; // the holder is mid-call while the other copy tries
                return 'job-1';
            });
        const first = copy();
        const second = copy();
        // The loser must answer while the holder is still inside its call.
        const loser = await Promise.race([first, second]);
        assert.ok(isClaimPending(loser), `the copy that answered first is the loser: ${JSON.stringify(loser)}`);
        assert.equal(loser.retryAfterInMs, CLAIM_LEASE_IN_SECONDS * 1000);
        release();
        const results = await Promise.all([first, second]);
        assert.equal(acts, 1, 'only one copy acted');
        assert.deepEqual(
            results.filter((r) => !isClaimPending(r)),
            ['job-1'],
        );
        // A later copy (the orchestrator asking again) gets the recorded result without acting.
        assert.equal(await copy(), 'job-1');
        assert.equal(acts, 1);
        const record = await readRecord(marker);
        assert.equal(record?.claim.state, 'done');
    });

    it('a copy whose call fails leaves the claim free: the retry takes over at once with its progress', async () => {
        const marker = container.getBlockBlobClient('run-2/step.json');
        await assert.rejects(
            withClaim<{ jobId: string }, string>(marker, { now }, async (claim) => {
                await claim.record({ jobId: 'job-2' });
                throw new Error('start failed');
            }),
            /start failed/,
        );
        let seen: ClaimHandle<{ jobId: string }> | undefined;
        const result = await withClaim<{ jobId: string }, string>(marker, { now }, async (claim) => {
            seen = claim;
            return Promise.resolve(`started ${claim.progress?.jobId ?? 'nothing'}`);
        });
        assert.equal(result, 'started job-2');
        assert.equal(seen?.takenOver, true);
    });

    it('a holder killed mid-call: copies answer pending until its lease expires, then one takes over after reading its record', async () => {
        const blob = 'run-3/step.json';
        const marker = container.getBlockBlobClient(blob);
        const script = path.join(__dirname, 'claimHolder.js');
        const child = spawn(
            process.execPath,
            [script, storage.connectionString, container.containerName, blob, 'job-3'],
            {
                stdio: ['ignore', 'pipe', 'pipe'],
            },
        );
        const output: string[] = [];
        await new Promise<void>((ok, fail) => {
            child.stdout.on('data', (c: Buffer) => {
                output.push(c.toString());
                if (output.join('').includes('recorded')) ok();
            });
            child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
            child.once('exit', (code) => fail(new Error(`holder exited (${String(code)}): ${output.join('')}`)));
        });
        let acts = 0;
        const copy = () =>
            withClaim<{ jobId: string }, string>(marker, { now }, async (claim) => {
                acts += 1;
                assert.equal(claim.takenOver, true);
                return Promise.resolve(`started ${claim.progress?.jobId ?? 'a new job'}`);
            });
        assert.ok(isClaimPending(await copy()), 'the live holder keeps the claim');
        child.kill('SIGKILL');
        const taken = await eventually(
            async () => {
                const r = await copy();
                return isClaimPending(r) ? undefined : r;
            },
            'a copy to take the claim over',
            (CLAIM_LEASE_IN_SECONDS + 30) * 1000,
            250,
        );
        assert.equal(taken, 'started job-3', 'the copy that took over used the job id the holder recorded');
        assert.equal(acts, 1);
        const record = await readRecord<{ jobId: string }, string>(marker);
        assert.equal(record?.claim.takeovers, 1);
        assert.equal(record?.claim.state, 'done');
    });
});

describe('submit, promote, rollback: two copies at once act once (Azurite + studio)', () => {
    let fx: PipelineFixture;
    before(async () => {
        fx = await startPipeline();
        await upload(fx, 'churn/a.csv', await toText(classificationCsv({ rows: 500, seed: 8 })));
    });
    after(() => fx.close());
    let trained: SubmittedJob | undefined;

    it('both copies run concurrently; one submits and starts, the other answers pending; asking again returns the job', async () => {
        const ops = () => fx.studio.stats().operations;
        // The run's own snapshot: the submit writes the canonical CSV from exactly these versions.
        const manifest = await snapshotManifest(fx.deps, { target: 'churn', trigger: { kind: 'http' } });
        const input = { target: 'churn', runId: 'twice', manifest, globalParameters: {} };
        const before = { submit: ops().submitJob ?? 0, start: ops().startJob ?? 0 };
        const results = await Promise.all([submitJob(fx.deps, input), submitJob(fx.deps, input)]);
        const jobs = results.filter((r): r is SubmittedJob => !isClaimPending(r));
        assert.equal(jobs.length, 1, `one copy acted: ${JSON.stringify(results)}`);
        assert.equal((ops().submitJob ?? 0) - before.submit, 1, 'one BES submit');
        assert.equal((ops().startJob ?? 0) - before.start, 1, 'one BES start');
        const again = await submitJob(fx.deps, input);
        assert.deepEqual(again, jobs[0]);
        assert.equal((ops().submitJob ?? 0) - before.submit, 1);
        assert.equal((await fx.waitForJob('churn', jobs[0].jobId)).state, 'Finished');
        trained = jobs[0];
    });

    it('a holder that dies after BES answered the submit, before recording it: the next copy submits again and reports the unstarted job', async () => {
        const ops = () => fx.studio.stats().operations;
        const manifest = await snapshotManifest(fx.deps, { target: 'churn', trigger: { kind: 'http' } });
        const input = { target: 'churn', runId: 'lost-answer', manifest, globalParameters: {} };
        const dying = {
            ...fx.deps,
            bes: (t: Parameters<typeof fx.deps.bes>[0]) => {
                const real = fx.deps.bes(t);
                const submit = real.submitJob.bind(real);
                real.submitJob = async (request) => {
                    await submit(request);
                    throw new Error('host died before recording the job id');
                };
                return real;
            },
        };
        const before = { submit: ops().submitJob ?? 0, start: ops().startJob ?? 0 };
        await assert.rejects(submitJob(dying, input), /host died/);
        const job = await submitJob(fx.deps, input);
        assert.ok(!isClaimPending(job));
        assert.equal(job.unstartedSubmits, 1, 'the lost job is counted');
        assert.equal((ops().submitJob ?? 0) - before.submit, 2);
        assert.equal((ops().startJob ?? 0) - before.start, 1, 'only the recorded job is started');
    });

    it('promote twice at once: one PATCH; rollback twice at once: one PATCH back', async () => {
        const ops = () => fx.studio.stats().operations.patchEndpoint ?? 0;
        const job = trained!;
        const input = { target: 'churn', runId: 'twice', model: job.modelOutput, expectedChampionRunId: null };
        const before = ops();
        const promoted = await Promise.all([promote(fx.deps, input), promote(fx.deps, input)]);
        const done = promoted.filter((r): r is Promotion => !isClaimPending(r));
        assert.equal(done.length, 1, JSON.stringify(promoted));
        assert.equal(ops() - before, 1, 'one promote PATCH');
        assert.deepEqual(await promote(fx.deps, input), done[0], 'asking again returns the recorded promotion');
        assert.equal(ops() - before, 1);

        // Roll back to the model served now: the PATCH is still sent, so the studio counts it.
        const promotion: Promotion = { before: job.modelOutput, after: job.modelOutput };
        const rolled = await Promise.all([
            rollback(fx.deps, { target: 'churn', runId: 'twice', promotion }),
            rollback(fx.deps, { target: 'churn', runId: 'twice', promotion }),
        ]);
        assert.equal(rolled.filter((r) => isClaimPending(r)).length, 1, JSON.stringify(rolled));
        assert.equal(rolled.filter((r) => r === null).length, 1);
        assert.equal(ops() - before, 2, 'one rollback PATCH');
    });
});
