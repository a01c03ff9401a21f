import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseCsv, parseCsvLines } from '../../src/retraining/csv';

describe('parseCsvLines', () => {
    it('gives each record the file line it starts on: header = 1, blank lines and quoted breaks counted', () => {
        const text = '\uFEFFa,b\r\n1,2\r\n\r\n"x\ny",3\n4,5';
        assert.deepEqual(parseCsvLines(text), [
            { line: 1, cells: ['a', 'b'] },
            { line: 2, cells: ['1', '2'] },
            { line: 4, cells: ['x\ny', '3'] },
            { line: 6, cells: ['4', '5'] },
        ]);
        assert.deepEqual(parseCsv(text), [
            ['a', 'b'],
            ['1', '2'],
            ['x\ny', '3'],
            ['4', '5'],
        ]);
    });

    it('counts a lone CR as a line break, as the reader splits records on it', () => {
        assert.deepEqual(
            parseCsvLines('a\r\r"p\rq"\r1').map((r) => r.line),
            [1, 3, 5],
        );
    });
});
