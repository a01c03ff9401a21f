import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { FileStateStore, MemoryStateStore, StudioState, emptyState } from '../../../src/local/studio/state';

function stateWithJobs(n: number): StudioState {
    const state = emptyState();
    for (let i = 0; i < n; i++) {
        state.jobs[`svc/job${i}`] = {
            id: `job${i}`,
            serviceId: 'svc',
            status: 'Finished',
            inputs: {},
            outputs: {},
            globalParameters: {},
            createdAt: new Date(0).toISOString(),
        };
    }
    return state;
}

describe('studio state stores', () => {
    const dirs: string[] = [];
    const tempDir = async (): Promise<string> => {
        const dir = await mkdtemp(path.join(tmpdir(), 'studio-state-'));
        dirs.push(dir);
        return dir;
    };
    after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

    it('file store: an empty folder loads as the empty state', async () => {
        assert.deepEqual(await new FileStateStore(await tempDir()).load(), emptyState());
    });

    it('file store: what is saved is what a new store loads, with no temp files left', async () => {
        const dir = await tempDir();
        await new FileStateStore(dir).save(stateWithJobs(3));
        assert.deepEqual(await new FileStateStore(dir).load(), stateWithJobs(3));
        assert.deepEqual((await readdir(dir)).sort(), ['models', 'state.json']);
    });

    it('file store: overlapping saves are serialized; the last one wins and the file is always whole', async () => {
        const dir = await tempDir();
        const store = new FileStateStore(dir);
        await store.load();
        const saves = Array.from({ length: 20 }, (_, i) => store.save(stateWithJobs(i + 1)));
        // Read while the writes are queued: every read sees a complete JSON document.
        for (let i = 0; i < 5; i++) {
            const text = await readFile(path.join(dir, 'state.json'), 'utf8').catch(() => '{"version":1}');
            assert.doesNotThrow(() => JSON.parse(text));
        }
        await Promise.all(saves);
        assert.equal(Object.keys((await new FileStateStore(dir).load()).jobs).length, 20);
    });

    it('file store: a corrupt state file is an error naming the file, not a silent reset', async () => {
        const dir = await tempDir();
        await writeFile(path.join(dir, 'state.json'), '{ not json');
        await assert.rejects(new FileStateStore(dir).load(), /Cannot read the studio state in .*state\.json/);
    });

    it('file store: model bytes round-trip by their hash; unknown hashes are undefined', async () => {
        const dir = await tempDir();
        const store = new FileStateStore(dir);
        await store.load();
        await store.putModel('abc123', Buffer.from('model bytes'));
        assert.equal((await new FileStateStore(dir).getModel('abc123'))?.toString(), 'model bytes');
        assert.equal(await store.getModel('nothing'), undefined);
    });

    it('memory store: keeps copies, so later mutation of the live state does not leak in', async () => {
        const store = new MemoryStateStore();
        const state = stateWithJobs(1);
        await store.save(state);
        state.jobs['svc/job0'].status = 'Failed';
        assert.equal((await store.load()).jobs['svc/job0'].status, 'Finished');
    });
});
