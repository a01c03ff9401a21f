import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { runKeyOf } from '../../src/retraining/runKey';

describe('runKeyOf', () => {
    const a = { name: 'churn/a.csv', etag: '"0x1"', contentMd5: 'AAAA' };
    const b = { name: 'churn/b.csv', etag: '"0x2"', contentMd5: 'BBBB' };

    it('ignores order and ETag churn of identical content', () => {
        assert.equal(runKeyOf([a, b]), runKeyOf([b, a]));
        assert.equal(runKeyOf([a]), runKeyOf([{ ...a, etag: '"0x99"' }]), 're-upload of the same bytes');
    });

    it('changes when content, names or the file set change', () => {
        const base = runKeyOf([a, b]);
        assert.notEqual(runKeyOf([a, { ...b, contentMd5: 'CCCC' }]), base);
        assert.notEqual(runKeyOf([a, { ...b, name: 'churn/c.csv' }]), base);
        assert.notEqual(runKeyOf([a]), base);
        assert.notEqual(runKeyOf([a, { name: b.name, etag: b.etag }]), base, 'falls back to the ETag without an MD5');
    });

    it('is independent of listing order for any manifest', () => {
        const entry = fc.record({
            name: fc.string({ minLength: 1 }),
            etag: fc.string(),
            contentMd5: fc.option(fc.base64String(), { nil: undefined }),
        });
        fc.assert(
            fc.property(
                fc.uniqueArray(entry, { selector: (e) => e.name, maxLength: 8 }),
                fc.infiniteStream(fc.nat()),
                (entries, rnd) => {
                    const shuffled = [...entries];
                    for (let i = shuffled.length - 1; i > 0; i--) {
                        const j = rnd.next().value % (i + 1);
                        [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
                    }
                    assert.equal(runKeyOf(shuffled), runKeyOf(entries));
                },
            ),
        );
    });
});
