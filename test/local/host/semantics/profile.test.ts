import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { keyedChance, keyedSeed } from '../../../../src/local/host/semantics/profile';

describe('keyed fault decisions', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `event-drop\0data/file-${i}.csv#1`);

    it('give one key the same answer however many other decisions came before it', () => {
        const first = keys.map((k) => keyedChance(11, k, 0.25));
        // The same keys asked in reverse order, as another interleaving of the same uploads would.
        const reversed = [...keys].reverse().map((k) => keyedChance(11, k, 0.25));
        assert.deepEqual(first, reversed.reverse());
    });

    it('hold the share over many keys, and another seed or write number picks other subjects', () => {
        const hits = (seed: number, suffix = '') => keys.filter((k) => keyedChance(seed, k + suffix, 0.25));
        const share = hits(11).length / keys.length;
        assert.ok(share > 0.22 && share < 0.28, `share ${share} of 4000 keys, asked for 0.25`);
        assert.notDeepEqual(hits(11), hits(12));
        assert.notDeepEqual(hits(11), hits(11, '#2'));
        assert.equal(keys.filter((k) => keyedChance(11, k, 0)).length, 0);
        assert.equal(keys.filter((k) => keyedChance(11, k, 1)).length, keys.length);
    });

    it('derive distinct seeds from distinct keys', () => {
        assert.notEqual(keyedSeed(11, 'a'), keyedSeed(11, 'b'));
        assert.equal(keyedSeed(11, 'a'), keyedSeed(11, 'a'));
    });
});
