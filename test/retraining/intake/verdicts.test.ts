import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';

import {
    FileVerdict,
    IntakeIndex,
    intakeSchemaOf,
    judgeTargetFiles,
    ListedFile,
    RefusedFile,
} from '../../../src/retraining/intake';
import { countingStorage, CountingStorage, diff } from '../../bench/lib/countingProxy';
import { testStorage, uniqueName } from '../../helpers/azurite';
import { intakeCase } from '../../helpers/intakeCases';

const CHURN = intakeSchemaOf({
    labelColumn: 'churned',
    featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
    task: 'classification',
    classes: ['0', '1'],
});

/** Uploads in blocks, as AzCopy, Storage Explorer and pipelines do: the blob gets no Content-MD5. */
async function uploadInBlocks(container: ContainerClient, name: string, bytes: Buffer): Promise<void> {
    const blob = container.getBlockBlobClient(name);
    const ids: string[] = [];
    for (let at = 0; at < bytes.length; at += 1000) {
        const id = Buffer.from(randomUUID()).toString('base64');
        await blob.stageBlock(id, bytes.subarray(at, at + 1000), Math.min(1000, bytes.length - at));
        ids.push(id);
    }
    await blob.commitBlockList(ids);
}

describe("the validate-and-hash pass over a target's blobs (Azurite)", () => {
    let counting: CountingStorage;
    let data: ContainerClient;
    let state: ContainerClient;
    before(async () => {
        counting = await countingStorage(await testStorage());
        const blobs = BlobServiceClient.fromConnectionString(counting.connectionString);
        data = blobs.getContainerClient(uniqueName('data'));
        state = blobs.getContainerClient(uniqueName('runs'));
        await data.create();
        for (const f of ['churn-good.csv', 'churn-reordered-columns.csv', 'churn-missing-values.csv']) {
            const bytes = intakeCase(f);
            await data.getBlockBlobClient(`churn/${f}`).upload(bytes, bytes.length);
        }
    });
    after(() => counting?.close());

    async function listed(): Promise<ListedFile[]> {
        const out: ListedFile[] = [];
        for await (const b of data.listBlobsFlat({ prefix: 'churn/' })) {
            out.push({ name: b.name, etag: b.properties.etag, contentLength: b.properties.contentLength! });
        }
        return out;
    }

    /** Judges the whole target, counting the blob downloads the pass made (the cache read is one). */
    async function judge(): Promise<{ verdicts: Map<string, FileVerdict>; read: string[]; downloads: number }> {
        const files = await listed();
        const before = counting.snapshot();
        const r = await judgeTargetFiles({ data, state, target: 'churn', schema: CHURN, files, complete: true });
        const downloads = diff(counting.snapshot(), before)['blob GET'] ?? 0;
        return { verdicts: new Map(r.verdicts.map((v) => [v.name, v])), read: r.read.sort(), downloads };
    }

    let first: Map<string, FileVerdict>;

    it('reads each file once, whole; refuses the one that cannot train with its own lines and columns', async () => {
        const r = await judge();
        first = r.verdicts;
        assert.deepEqual(r.read, [
            'churn/churn-good.csv',
            'churn/churn-missing-values.csv',
            'churn/churn-reordered-columns.csv',
        ]);
        assert.equal(r.downloads, 1 + 3, 'the cache, then each file once');
        const bad = r.verdicts.get('churn/churn-missing-values.csv') as RefusedFile;
        assert.equal(bad.accepted, false);
        assert.deepEqual(
            bad.problems.map((p) => [p.line, p.column]),
            [
                [5, 'monthly_charges'],
                [9, 'support_calls'],
            ],
        );
        assert.equal(
            bad.reason,
            "'churn/churn-missing-values.csv' cannot train: line 5, column 'monthly_charges': empty value; line 9, column 'support_calls': 'NaN' is not a number",
        );
        assert.deepEqual(
            (await IntakeIndex.loadRefused(state, 'churn')).map((v) => v.reason),
            [bad.reason],
            'the small refused list status readers poll',
        );
        const good = r.verdicts.get('churn/churn-good.csv')!;
        assert.ok(good.accepted && /^[0-9a-f]{64}$/.test(good.contentHash));
        assert.equal(good.rows, 201);
    });

    it('a second pass reads no data file: every verdict comes from the cache', async () => {
        const r = await judge();
        assert.deepEqual(r.read, []);
        assert.equal(r.downloads, 1, 'only the cache');
        assert.deepEqual([...r.verdicts.values()], [...first.values()]);
    });

    it('the same bytes re-uploaded in blocks (no Content-MD5, new ETag) are read again and hash the same', async () => {
        const name = 'churn/churn-good.csv';
        await uploadInBlocks(data, name, intakeCase('churn-good.csv'));
        const props = await data.getBlobClient(name).getProperties();
        assert.equal(props.contentMD5, undefined, 'a block upload carries no Content-MD5');
        assert.notEqual(props.etag, first.get(name)!.etag);
        const r = await judge();
        assert.deepEqual(r.read, [name]);
        const again = r.verdicts.get(name)!;
        assert.ok(again.accepted && first.get(name)!.accepted);
        assert.equal(again.contentHash, (first.get(name) as { contentHash: string }).contentHash);
    });

    it('a changed file is read again and hashes differently; a deleted one leaves the cache', async () => {
        const name = 'churn/churn-reordered-columns.csv';
        const changed = Buffer.from(
            intakeCase('churn-reordered-columns.csv').toString('utf8').replace('0,9,96.48', '1,9,96.48'),
        );
        await data.getBlockBlobClient(name).upload(changed, changed.length);
        await data.deleteBlob('churn/churn-missing-values.csv');
        const r = await judge();
        assert.deepEqual(r.read, [name]);
        assert.notEqual(
            (r.verdicts.get(name) as { contentHash: string }).contentHash,
            (first.get(name) as { contentHash: string }).contentHash,
        );
        assert.deepEqual(
            await IntakeIndex.loadRefused(state, 'churn'),
            [],
            'the deleted refused file is no longer listed',
        );
        const index = await IntakeIndex.load(state, 'churn');
        assert.deepEqual(
            index
                .all()
                .map((v) => v.name)
                .sort(),
            ['churn/churn-good.csv', name],
        );
    });

    // The snapshot used to drop empty blobs silently: never refused, so `data list` showed one as
    // "not judged yet" forever and counted it in the window.
    it('an empty file is refused as empty without a read, and cached for status', async () => {
        await data.getBlockBlobClient('churn/empty.csv').upload('', 0);
        const r = await judge();
        assert.deepEqual(r.read, []);
        assert.equal(r.downloads, 1, 'only the cache');
        const empty = r.verdicts.get('churn/empty.csv') as RefusedFile;
        assert.deepEqual(
            { accepted: empty.accepted, reason: empty.reason, problems: empty.problems, rows: empty.rows },
            {
                accepted: false,
                reason: "'churn/empty.csv' is empty",
                problems: [{ line: 1, message: 'the file is empty (0 bytes)' }],
                rows: 0,
            },
        );
        assert.deepEqual(
            (await IntakeIndex.loadRefused(state, 'churn')).map((v) => v.reason),
            ["'churn/empty.csv' is empty"],
        );
        const index = await IntakeIndex.load(state, 'churn');
        assert.deepEqual(index.get('churn/empty.csv', empty.etag, CHURN.key), empty, 'cached like any verdict');
        await data.deleteBlob('churn/empty.csv');
    });

    it('two passes saving at once keep both verdicts (optimistic concurrency, merged)', async () => {
        const a = await IntakeIndex.load(state, 'race');
        const b = await IntakeIndex.load(state, 'race');
        const verdict = (name: string): FileVerdict => ({
            name,
            etag: '"1"',
            contentLength: 1,
            schemaKey: CHURN.key,
            rows: 1,
            blankRows: 0,
            extraColumns: [],
            judgedAt: new Date(0).toISOString(),
            accepted: true,
            contentHash: 'h',
        });
        a.put(verdict('race/a.csv'));
        b.put(verdict('race/b.csv'));
        await Promise.all([a.save(), b.save()]);
        const merged = await IntakeIndex.load(state, 'race');
        assert.deepEqual(
            merged
                .all()
                .map((v) => v.name)
                .sort(),
            ['race/a.csv', 'race/b.csv'],
        );
        assert.ok(merged.get('race/a.csv', '"1"', CHURN.key));
        assert.equal(merged.get('race/a.csv', '"2"', CHURN.key), undefined, 'another ETag is another file version');
        assert.equal(merged.get('race/a.csv', '"1"', 'other-schema'), undefined, 'another schema judges again');
    });
});
