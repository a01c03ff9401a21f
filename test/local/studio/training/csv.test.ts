import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { readCsv } from '../../../../src/local/studio/training/csv';
import { TrainingError } from '../../../../src/local/studio/training/types';

async function parse(chunks: (string | Buffer)[], maxRowChars?: number): Promise<string[][]> {
    const rows: string[][] = [];
    for await (const row of readCsv(Readable.from(chunks), { maxRowChars })) rows.push(row.fields);
    return rows;
}

describe('readCsv', () => {
    const cases: [string, string, string[][]][] = [
        [
            'plain LF',
            'a,b\n1,2\n',
            [
                ['a', 'b'],
                ['1', '2'],
            ],
        ],
        [
            'CRLF and no final newline',
            'a,b\r\n1,2',
            [
                ['a', 'b'],
                ['1', '2'],
            ],
        ],
        [
            'quoted comma, quote and newline',
            'a,b\n"x,y","say ""hi""\nthere"\n',
            [
                ['a', 'b'],
                ['x,y', 'say "hi"\nthere'],
            ],
        ],
        [
            'empty fields',
            'a,b,c\n,,\n',
            [
                ['a', 'b', 'c'],
                ['', '', ''],
            ],
        ],
        ['BOM and blank lines', '\uFEFFa\n\n1\n\n', [['a'], ['1']]],
        ['lone CR line ends', 'a\r1\r', [['a'], ['1']]],
    ];
    for (const [name, text, expected] of cases) {
        it(name, async () => assert.deepEqual(await parse([text]), expected));
    }

    it('handles multi-byte characters split across chunks', async () => {
        const bytes = Buffer.from('név,€\nÅ,日本\n', 'utf8');
        const oneByte = [...bytes].map((b) => Buffer.from([b]));
        assert.deepEqual(await parse(oneByte), [
            ['név', '€'],
            ['Å', '日本'],
        ]);
    });

    it('reports where a quote goes wrong', async () => {
        await assert.rejects(
            parse(['a\n"x"y\n']),
            (e: TrainingError) => e.code === 'InputParseError' && /Line 2/.test(e.message),
        );
        await assert.rejects(parse(['a\n"open\n']), /not closed/);
        await assert.rejects(parse(['a\n' + 'x'.repeat(100) + '\n'], 50), /longer than 50/);
        // A runaway quote stops at the bound instead of swallowing the rest of the file.
        await assert.rejects(parse(['a\n"', 'y\n'.repeat(100), 'z'], 50), /Line 2: row longer than 50/);
    });

    it('parses any table back identically whatever the chunk boundaries (property)', async () => {
        const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '€') });
        const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 6 });
        await fc.assert(
            fc.asyncProperty(table, fc.array(fc.nat(), { maxLength: 6 }), async (rows, cuts) => {
                const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n');
                const bytes = Buffer.from(text, 'utf8');
                const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
                const chunks: Buffer[] = [];
                let from = 0;
                for (const p of [...points, bytes.length]) {
                    chunks.push(bytes.subarray(from, p));
                    from = p;
                }
                assert.deepEqual(await parse(chunks), rows);
            }),
            { numRuns: 300 },
        );
    });
});
