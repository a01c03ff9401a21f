import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ConfigError, validateConfig } from '../../src/retraining/config';
import {
    CandidateFile,
    DataPolicy,
    DataState,
    emptyDataState,
    filesToQuarantine,
    selectListedFiles,
    selectTrainingFiles,
    withExclusion,
    withInclusion,
    withQuarantine,
} from '../../src/retraining/dataPolicy';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';

registerEmulatorCredential();

const ALL: DataPolicy = { trainOn: 'all', onRejected: 'keep' };
const NOW = new Date('2026-03-10T12:00:00.000Z');

/** File `name` written `daysAgo` days before NOW, with content `hash`. */
function file(name: string, daysAgo: number, hash = `h-${name}`): CandidateFile {
    return {
        name,
        etag: `"e-${name}"`,
        contentHash: hash,
        lastModified: new Date(NOW.getTime() - daysAgo * 86_400_000).toISOString(),
    };
}

const names = (files: readonly { name: string }[]): string[] => files.map((f) => f.name);

describe('data policy: what a run trains on', () => {
    const files = [file('d/a.csv', 30), file('d/b.csv', 10), file('d/c.csv', 2), file('d/d.csv', 0.5)];

    it("'all' trains on every file, in the order given", () => {
        const s = selectTrainingFiles(files, emptyDataState(), ALL, NOW);
        assert.deepEqual(names(s.trained), names(files));
        assert.deepEqual(s.leftOut, []);
    });

    it('a window of the last N files keeps the newest N, naming the others', () => {
        const s = selectTrainingFiles(files, emptyDataState(), { ...ALL, trainOn: 'window', lastFiles: 2 }, NOW);
        assert.deepEqual(names(s.trained), ['d/c.csv', 'd/d.csv']);
        assert.deepEqual(names(s.leftOut), ['d/a.csv', 'd/b.csv']);
        assert.ok(s.leftOut.every((l) => l.why === 'window' && /last 2 file/.test(l.reason)));
    });

    it('a window of the last N days keeps the files written since now - N days', () => {
        const s = selectTrainingFiles(files, emptyDataState(), { ...ALL, trainOn: 'window', lastDays: 7 }, NOW);
        assert.deepEqual(names(s.trained), ['d/c.csv', 'd/d.csv']);
        assert.match(s.leftOut[0]?.reason ?? '', /last 7 day\(s\) \(written before 2026-03-03T12:00:00\.000Z\)/);
    });

    it('files of equal time are ordered by name, so the window is deterministic', () => {
        const same = [file('d/x.csv', 1), file('d/y.csv', 1), file('d/z.csv', 1)];
        const s = selectTrainingFiles(same, emptyDataState(), { ...ALL, trainOn: 'window', lastFiles: 2 }, NOW);
        assert.deepEqual(names(s.trained), ['d/y.csv', 'd/z.csv']);
    });

    it('listed files: a refused one (an empty file too) takes no window slot, one not judged yet does', () => {
        const listed = [
            { ...file('d/a.csv', 3), verdict: { accepted: true as const, contentHash: 'h-a' } },
            { ...file('d/b.csv', 2), verdict: { accepted: true as const, contentHash: 'h-b' } },
            { ...file('d/empty.csv', 0.2), verdict: { accepted: false as const } },
            { ...file('d/new.csv', 0.1) },
        ];
        const s = selectListedFiles(listed, emptyDataState(), { ...ALL, trainOn: 'window', lastFiles: 2 }, NOW);
        assert.deepEqual(names(s.trained), ['d/b.csv', 'd/new.csv']);
        assert.deepEqual(
            names(s.leftOut),
            ['d/a.csv'],
            'the refused file is neither trained nor left out by the window',
        );
        assert.equal(s.trained[0]?.contentHash, 'h-b');
        assert.equal(s.trained[1]?.contentHash, undefined);
    });

    it('exclusions and quarantines come first; the window counts only the files still in', () => {
        let state = withExclusion(emptyDataState(), 'd/d.csv', { by: 'ana', at: '2026-03-10T00:00:00Z', why: 'dup' });
        state = withQuarantine(state, 'run-7', [{ name: 'd/c.csv', etag: '"e-d/c.csv"' }], '2026-03-09T00:00:00Z');
        const s = selectTrainingFiles(files, state, { ...ALL, trainOn: 'window', lastFiles: 1 }, NOW);
        assert.deepEqual(names(s.trained), ['d/b.csv']);
        const why = Object.fromEntries(s.leftOut.map((l) => [l.name, l]));
        assert.equal(why['d/d.csv']?.why, 'excluded');
        assert.equal(why['d/d.csv']?.reason, 'excluded by ana at 2026-03-10T00:00:00Z: dup');
        assert.equal(why['d/c.csv']?.why, 'quarantined');
        assert.equal(why['d/c.csv']?.runId, 'run-7');
        assert.equal(why['d/a.csv']?.why, 'window');
    });

    it('a quarantined file replaced with other content is new data and trains; the same content re-uploaded does not', () => {
        const state = withQuarantine(
            emptyDataState(),
            'run-7',
            [{ name: 'd/b.csv', etag: '"old"', contentHash: 'h-old' }],
            't',
        );
        const replaced = selectTrainingFiles([file('d/b.csv', 1, 'h-new')], state, ALL, NOW);
        assert.deepEqual(names(replaced.trained), ['d/b.csv']);
        const reuploaded = selectTrainingFiles([file('d/b.csv', 1, 'h-old')], state, ALL, NOW);
        assert.deepEqual(names(reuploaded.trained), []);
    });
});

describe('data state: quarantine, exclusion, inclusion', () => {
    it("quarantines the files a Rejected run added over the champion's, or all without a champion", () => {
        const champion = [
            { name: 'd/a.csv', etag: '1', contentHash: 'ha' },
            { name: 'd/b.csv', etag: '2', contentHash: 'hb' },
        ];
        const rejected = [
            { name: 'd/a.csv', etag: '1', contentHash: 'ha' },
            { name: 'd/b.csv', etag: '9', contentHash: 'hb2' },
            { name: 'd/c.csv', etag: '3', contentHash: 'hc' },
        ];
        assert.deepEqual(names(filesToQuarantine(rejected, champion)), ['d/b.csv', 'd/c.csv']);
        assert.deepEqual(names(filesToQuarantine(rejected, undefined)), ['d/a.csv', 'd/b.csv', 'd/c.csv']);
    });

    it('quarantine is idempotent, and an include of it is not undone by a retried record of the same run', () => {
        const f = [{ name: 'd/c.csv', etag: '3' }];
        const once = withQuarantine(emptyDataState(), 'run-1', f, 't1');
        assert.deepEqual(withQuarantine(once, 'run-1', f, 't2'), once);
        const inc = withInclusion(once, 'd/c.csv', 'ana', 't3');
        assert.equal(inc.wasQuarantined?.runId, 'run-1');
        assert.equal(inc.state.quarantined['d/c.csv'], undefined);
        assert.deepEqual(withQuarantine(inc.state, 'run-1', f, 't4').quarantined, {});
        // A later Rejected run over the same file quarantines it again.
        assert.equal(withQuarantine(inc.state, 'run-2', f, 't5').quarantined['d/c.csv']?.runId, 'run-2');
    });

    it('exclude keeps the first decision; include lifts it and says what it lifted', () => {
        const first = withExclusion(emptyDataState(), 'd/a.csv', { by: 'ana', at: 't1' });
        assert.equal(withExclusion(first, 'd/a.csv', { by: 'bo', at: 't2' }), first);
        const inc = withInclusion(first, 'd/a.csv', 'bo', 't3');
        assert.deepEqual(inc.wasExcluded, { by: 'ana', at: 't1' });
        assert.deepEqual(inc.state.excluded, {});
        const nothing = withInclusion(inc.state, 'd/a.csv', 'bo', 't4');
        assert.equal(nothing.state, inc.state, 'including an included file changes nothing');
        assert.equal(nothing.wasExcluded, undefined);
    });

    it('leaves the input state untouched (callers re-apply changes on a write conflict)', () => {
        const state: DataState = emptyDataState();
        withExclusion(state, 'd/a.csv', { by: 'ana', at: 't' });
        withQuarantine(state, 'r', [{ name: 'd/b.csv', etag: 'x' }], 't');
        assert.deepEqual(state, emptyDataState());
    });
});

describe('config: dataPolicy', () => {
    const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture each test mutates freely
    const sample = (): any => JSON.parse(readFileSync(SAMPLE, 'utf8'));
    const issues = (raw: unknown): string[] => {
        try {
            validateConfig(raw);
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.issues;
        }
        return [];
    };

    it('defaults to all files, Rejected files kept', () => {
        assert.deepEqual(validateConfig(sample()).targets[0]?.dataPolicy, { trainOn: 'all', onRejected: 'keep' });
    });

    it('accepts a window of files or days, with quarantine', () => {
        const c = sample();
        c.targets[0].dataPolicy = { trainOn: 'window', lastFiles: 3, onRejected: 'quarantine' };
        c.targets[1].dataPolicy = { trainOn: 'window', lastDays: 1.5 };
        const [a, b] = validateConfig(c).targets;
        assert.deepEqual(a?.dataPolicy, { trainOn: 'window', lastFiles: 3, onRejected: 'quarantine' });
        assert.deepEqual(b?.dataPolicy, { trainOn: 'window', lastDays: 1.5, onRejected: 'keep' });
    });

    it('names the key of a window without its size, a size without a window, and an unknown value', () => {
        const c = sample();
        c.targets[0].dataPolicy = { trainOn: 'window' };
        c.targets[1].dataPolicy = { lastFiles: 2, onRejected: 'delete' };
        const found = issues(c);
        assert.ok(
            found.some((i) => /^targets\[0\]\.dataPolicy: .*needs exactly one of lastFiles or lastDays/.test(i)),
            found.join('\n'),
        );
        assert.ok(
            found.some((i) => /^targets\[1\]\.dataPolicy\.onRejected: /.test(i)),
            found.join('\n'),
        );
        const d = sample();
        d.targets[0].dataPolicy = { lastFiles: 2 };
        assert.ok(
            issues(d).some((i) =>
                /^targets\[0\]\.dataPolicy: lastFiles and lastDays apply only to trainOn 'window'/.test(i),
            ),
        );
    });
});
