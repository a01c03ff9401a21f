import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { chooseBlobPort, recordBlobPort, recordedBlobPort } from '../../../src/local/stack/blobPort';

describe("the stack folder's blob port", () => {
    it('takes the kept port when none (or 0) is asked for, and 10000 or the asked one in a new folder', () => {
        assert.deepEqual(chooseBlobPort(undefined, 20123, 'd'), { port: 20123 });
        assert.deepEqual(chooseBlobPort(0, 20123, 'd'), { port: 20123 });
        assert.deepEqual(chooseBlobPort(20123, 20123, 'd'), { port: 20123 });
        assert.deepEqual(chooseBlobPort(undefined, undefined, 'd'), { port: 10000 });
        assert.deepEqual(chooseBlobPort(0, undefined, 'd'), { port: 0 });
        assert.deepEqual(chooseBlobPort(20000, undefined, 'd'), { port: 20000 });
    });

    it('keeps the first port recorded, and reads none from a new folder', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-port-'));
        try {
            assert.equal(recordedBlobPort(dir), undefined);
            recordBlobPort(dir, 41000);
            recordBlobPort(dir, 42000);
            assert.equal(recordedBlobPort(dir), 41000);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
