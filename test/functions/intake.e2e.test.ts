import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { classificationCsv, regressionCsv, toText } from '../../src/local/samples';
import type { RunRecord } from '../../src/orchestrators/contracts';
import { churnTarget, housesTarget } from '../helpers/demoTargets';
import { eventually } from '../helpers/environment';
import { GOOD_FILE, INTAKE_CASES, intakeCase } from '../helpers/intakeCases';
import { AppUnderTest, startApp } from './appHost';

/**
 * The intake cases (test/fixtures/intake/README.md) written straight into the data container, as
 * Storage Explorer, AzCopy or a pipeline would: each behaves as its README says, through the blob
 * trigger, and a good upload after each one trains.
 */
describe('intake cases through the blob trigger (dev host + studio + Azurite)', () => {
    let app: AppUnderTest;
    before(async () => {
        app = await startApp((w) => [churnTarget(w), housesTarget(w)]);
    });
    after(() => app?.stop());

    const api = <T>(p: string): Promise<T> => app.get<T>(p);
    const submitted = (): number => app.studio.stats().operations.submitJob ?? 0;

    /** Uploads, then waits for the run whose manifest holds (or refuses) exactly this blob version. */
    async function uploadAndWait(target: string, name: string, bytes: Buffer, blocks = false): Promise<RunRecord> {
        const blob = app.data.getBlockBlobClient(name);
        let etag: string;
        if (blocks) {
            const ids: string[] = [];
            for (let at = 0; at < bytes.length; at += 1024) {
                const id = Buffer.from(randomUUID()).toString('base64');
                await blob.stageBlock(id, bytes.subarray(at, at + 1024), Math.min(1024, bytes.length - at));
                ids.push(id);
            }
            etag = (await blob.commitBlockList(ids)).etag!;
        } else etag = (await blob.upload(bytes, bytes.length)).etag!;
        const bare = (e?: string) => (e ?? '').replace(/^"|"$/g, '');
        const holds = (r: RunRecord) =>
            [...(r.manifest?.blobs ?? []), ...(r.manifest?.rejected ?? [])].some(
                (b) => b.name === name && bare(b.etag) === bare(etag),
            );
        return eventually(
            async () => (await api<RunRecord[]>(`runs?target=${target}&limit=10`)).find(holds),
            () => `a run of ${target} judging ${name}; host log:\n${app.logs.slice(-30).join('\n')}`,
            300_000,
            100,
        );
    }

    function assertTrained(run: RunRecord, label: string): void {
        assert.equal(run.state, 'Promoted', `${label}: ${run.reason ?? ''}`);
        assert.equal(run.job?.finalStatus?.state, 'Finished', `${label}: the BES job trained`);
    }

    let good = 0;
    async function goodUploadTrains(target: 'churn' | 'houses'): Promise<void> {
        good += 1;
        const run = await uploadAndWait(target, `${target}/good-${good}.csv`, intakeCase(GOOD_FILE[target]));
        assertTrained(run, `good upload ${good}`);
    }

    it('each target gets a champion from its sample baseline', async () => {
        const churn = await uploadAndWait(
            'churn',
            'churn/baseline.csv',
            Buffer.from(await toText(classificationCsv({ rows: 2000, seed: 1 }))),
        );
        assert.equal(churn.state, 'Promoted', churn.reason);
        const houses = await uploadAndWait(
            'houses',
            'houses/baseline.csv',
            Buffer.from(await toText(regressionCsv({ rows: 2000, seed: 1 }))),
        );
        assert.equal(houses.state, 'Promoted', houses.reason);
    });

    for (const c of INTAKE_CASES) {
        it(`${c.file}: ${c.must === 'train' ? 'trains' : 'is refused before any job'}, then a good upload trains`, async () => {
            const name = `${c.target}/${c.file}`;
            const jobsBefore = submitted();
            const run = await uploadAndWait(c.target, name, intakeCase(c.file));
            if (c.must === 'train') {
                assertTrained(run, c.file);
                const entry = run.manifest!.blobs.find((b) => b.name === name)!;
                assert.equal(entry.rows, c.rows);
                assert.equal(entry.blankRows, c.blankRows, 'the record says how many blank rows were skipped');
            } else {
                assert.equal(run.state, 'Skipped', 'no run fails because of it');
                assert.equal(submitted(), jobsBefore, 'no job was spent');
                for (const [line, column] of c.problems!) {
                    assert.match(run.reason!, new RegExp(`line ${line}, column '${column}'`));
                }
                assert.ok(run.reason!.startsWith(`'${name}' cannot train: line 5`), run.reason);
                const refused = run.manifest!.rejected!.find((r) => r.name === name)!;
                assert.deepEqual(
                    refused.problems!.map((p) => [p.line, p.column]),
                    c.problems,
                );
                const view = await api<{ refused: { name: string; reason: string }[] }>(`targets/${c.target}`);
                assert.ok(
                    view.refused.some((r) => r.name === name && /line 5, column 'monthly_charges'/.test(r.reason)),
                    'GET /api/targets names the refused file',
                );
                assert.ok(!app.logs.some((l) => /Step '.*' failed/.test(l)));
            }
            await goodUploadTrains(c.target);
        });
    }

    it('a refused file stays out of every later run, named in its manifest', async () => {
        const run = await uploadAndWait('churn', 'churn/later.csv', intakeCase('churn-good.csv'));
        assertTrained(run, 'later');
        assert.ok(!run.manifest!.blobs.some((b) => b.name === 'churn/churn-missing-values.csv'));
        assert.ok(run.manifest!.rejected!.some((b) => b.name === 'churn/churn-missing-values.csv'));
    });

    it('identical bytes re-uploaded in blocks (no Content-MD5) start no training', async () => {
        const jobs = submitted();
        const run = await uploadAndWait('churn', 'churn/later.csv', intakeCase('churn-good.csv'), true);
        const props = await app.data.getBlobClient('churn/later.csv').getProperties();
        assert.equal(props.contentMD5, undefined, 'the block upload left no Content-MD5');
        assert.equal(run.state, 'Skipped', run.reason);
        assert.match(run.reason!, /already used by run/);
        assert.equal(submitted(), jobs, 'no BES job');
    });
});
