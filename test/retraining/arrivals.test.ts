import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { ManifestBlob, ManifestSnapshot } from '../../src/orchestrators/contracts';
import { arrivalSince, bareEtag, listedWrites } from '../../src/retraining/arrivals';

const blob = (name: string, etag: string, contentHash?: string): ManifestBlob => ({
    name,
    etag,
    contentLength: 10,
    ...(contentHash ? { contentHash } : {}),
});

/** A run's listing: trained `a` and `b`, refused `bad`, left `old` out (outside the window). */
const used: ManifestSnapshot = {
    runKey: 'k1',
    blobs: [blob('t/a.csv', '"0xA"', 'hash-a'), blob('t/b.csv', '"0xB"', 'hash-b')],
    rejected: [{ name: 't/bad.csv', reason: "'t/bad.csv' is empty", etag: '"0xBAD"' }],
    leftOut: [{ name: 't/old.csv', etag: '"0xOLD"', why: 'window', reason: 'outside the window' }],
};

/** Which writes are new data, as the look after a run and the timer's catch-up pass judge them. */
describe('arrivalSince', () => {
    it('the same listing: nothing arrived', () => {
        assert.equal(arrivalSince(used, { ...used }), undefined);
    });

    it('a file the earlier listing did not see arrived, and names the trigger', () => {
        const now = { ...used, runKey: 'k2', blobs: [...used.blobs, blob('t/c.csv', '"0xC"', 'hash-c')] };
        assert.deepEqual(arrivalSince(used, now), { kind: 'blob', blobName: 't/c.csv' });
    });

    it('a new version of a trained file with other rows arrived', () => {
        const now = { ...used, runKey: 'k2', blobs: [blob('t/a.csv', '"0xA2"', 'hash-a2'), used.blobs[1]] };
        assert.deepEqual(arrivalSince(used, now), { kind: 'blob', blobName: 't/a.csv' });
    });

    it('an identical re-upload (a new ETag, the same rows) is no new data', () => {
        const now = { ...used, blobs: [blob('t/a.csv', '"0xA2"', 'hash-a'), used.blobs[1]] };
        assert.equal(arrivalSince(used, now), undefined);
    });

    it('a listed file that slid into the set (another deleted or quarantined) is no new data', () => {
        const now = { ...used, runKey: 'k2', blobs: [used.blobs[1], blob('t/old.csv', '"0xOLD"', 'hash-old')] };
        assert.equal(arrivalSince(used, now), undefined);
    });

    it('a refused file is seen by its version: the same version is no new data, a fixed one is', () => {
        const same = { ...used, runKey: 'k2', blobs: [...used.blobs, blob('t/bad.csv', '0xBAD', 'hash-bad')] };
        assert.equal(arrivalSince(used, same), undefined, 'the listing saw this version (quotes aside)');
        const fixed = { ...used, runKey: 'k3', blobs: [...used.blobs, blob('t/bad.csv', '"0xBAD2"', 'hash-bad2')] };
        assert.deepEqual(arrivalSince(used, fixed), { kind: 'blob', blobName: 't/bad.csv' });
    });

    it('a manifest recorded before content hashes compares files by MD5, else by ETag', () => {
        const md5 = (name: string, etag: string, contentMd5: string): ManifestBlob => ({
            ...blob(name, etag),
            contentMd5,
        });
        const before: ManifestSnapshot = { runKey: 'k1', blobs: [md5('t/a.csv', '"0xA"', 'm-a')] };
        assert.equal(arrivalSince(before, { runKey: 'k1', blobs: [md5('t/a.csv', '"0xA9"', 'm-a')] }), undefined);
        assert.deepEqual(arrivalSince(before, { runKey: 'k2', blobs: [md5('t/a.csv', '"0xA9"', 'm-b')] }), {
            kind: 'blob',
            blobName: 't/a.csv',
        });
    });
});

describe('listedWrites / bareEtag', () => {
    it('lists every version the run saw (trained, refused, left out) with bare ETags', () => {
        assert.deepEqual(listedWrites(used), [
            { blobName: 't/a.csv', etag: '0xA' },
            { blobName: 't/b.csv', etag: '0xB' },
            { blobName: 't/bad.csv', etag: '0xBAD' },
            { blobName: 't/old.csv', etag: '0xOLD' },
        ]);
        assert.deepEqual(listedWrites(undefined), []);
    });

    it('strips the quotes and weak marker listings and events differ by', () => {
        assert.equal(bareEtag('"0x8D"'), '0x8D');
        assert.equal(bareEtag('W/"0x8D"'), '0x8D');
        assert.equal(bareEtag('0x8D'), '0x8D');
    });
});
