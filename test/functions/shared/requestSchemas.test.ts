import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
    dataChangeBodySchema,
    decisionBodySchema,
    MAX_SCORE_ROWS,
    parseJsonBody,
    parseRequest,
    retrainBodySchema,
    runsQuerySchema,
    scoreBodySchema,
    scoreRowsSchema,
} from '../../../src/functions/shared/requestSchemas';
import { retrainAnswerFor, retrainBodies } from '../../helpers/retrainBodies';

const errorOf = (result: { ok: true } | { ok: false; error: string }): string => {
    assert.ok(!result.ok, 'expected a refusal');
    return result.error;
};

describe('HTTP request schemas', () => {
    it('retrain body: accepts the documented fields, refuses anything else with the 400 message', () => {
        assert.deepEqual(parseRequest(retrainBodySchema, {}), { ok: true, value: {} });
        assert.deepEqual(
            parseRequest(retrainBodySchema, { blobNames: ['churn/a.csv'], globalParameters: { k: 'v' } }),
            {
                ok: true,
                value: { blobNames: ['churn/a.csv'], globalParameters: { k: 'v' } },
            },
        );
        const cases: [unknown, string][] = [
            [[], 'the body must be a JSON object'],
            ['text', 'the body must be a JSON object'],
            [{ oops: 1, other: 2 }, 'unknown field(s): oops, other'],
            // An unknown field is named first even when a known one is wrong too.
            [{ blobNames: 3, oops: 1 }, 'unknown field(s): oops'],
            [{ blobNames: 'a.csv' }, "'blobNames' must be an array of blob names"],
            [{ blobNames: ['a.csv', ''] }, "'blobNames' must be an array of blob names"],
            [{ blobNames: [1] }, "'blobNames' must be an array of blob names"],
            [{ globalParameters: ['x'] }, "'globalParameters' must be an object of string values"],
            [{ globalParameters: { k: 1 } }, "'globalParameters' must be an object of string values"],
            [{ globalParameters: null }, "'globalParameters' must be an object of string values"],
        ];
        for (const [body, message] of cases) {
            assert.equal(errorOf(parseRequest(retrainBodySchema, body)), message, JSON.stringify(body));
        }
    });

    it('retrain body: any bytes get the answer the API documents (the oracle the HTTP fuzz test uses)', async () => {
        await fc.assert(
            fc.asyncProperty(retrainBodies, async (body) => {
                // Read as the worker reads a request: fetch's Request.text().
                const parsed = await parseJsonBody(
                    new Request('http://localhost/', { method: 'POST', body }),
                    retrainBodySchema,
                );
                const expected = retrainAnswerFor(body);
                if ('error' in expected) {
                    assert.deepEqual(parsed, { ok: false, error: expected.error });
                } else {
                    assert.ok(parsed.ok, `refused: ${parsed.ok ? '' : parsed.error}`);
                    assert.equal(
                        [...new Set(parsed.value.blobNames ?? [])].join('\n'),
                        'blobs' in expected ? expected.blobs.join('\n') : '',
                    );
                }
            }),
            { numRuns: 3000 },
        );
    });

    it('runs query: limit defaults to 50 and must be an integer from 1 to 500', () => {
        assert.deepEqual(parseRequest(runsQuerySchema, {}), { ok: true, value: { limit: 50 } });
        assert.deepEqual(parseRequest(runsQuerySchema, { target: 'churn', limit: '500' }), {
            ok: true,
            value: { target: 'churn', limit: 500 },
        });
        for (const limit of ['0', '501', '2.5', 'ten', '', 'Infinity']) {
            assert.equal(
                errorOf(parseRequest(runsQuerySchema, { limit })),
                "'limit' must be an integer from 1 to 500.",
                limit,
            );
        }
    });

    it('score body: columns, 1 to 1000 rows, each row as long as the columns, strings or numbers', () => {
        const envelope = parseRequest(scoreBodySchema, { columnNames: ['a', 'b'], rows: [[1, 'x']], extra: true });
        assert.deepEqual(envelope, { ok: true, value: { columnNames: ['a', 'b'], rows: [[1, 'x']] } });
        assert.deepEqual(parseRequest(scoreRowsSchema(2), [[1.5, 'x']]), { ok: true, value: [['1.5', 'x']] });
        const envelopes: [unknown, string][] = [
            [[], 'The body must be a JSON object.'],
            [null, 'The body must be a JSON object.'],
            [{ rows: [[1]] }, "'columnNames' must be a non-empty array of strings."],
            [{ columnNames: [], rows: [[1]] }, "'columnNames' must be a non-empty array of strings."],
            [{ columnNames: ['a', 2], rows: [[1]] }, "'columnNames' must be a non-empty array of strings."],
            [{ columnNames: ['a'], rows: [] }, "'rows' must be a non-empty array of rows."],
            [{ columnNames: ['a'], rows: 'x' }, "'rows' must be a non-empty array of rows."],
            [
                { columnNames: ['a'], rows: Array.from({ length: MAX_SCORE_ROWS + 1 }, () => [1]) },
                'At most 1000 rows can be scored per call, not 1001.',
            ],
        ];
        for (const [body, message] of envelopes) {
            assert.equal(errorOf(parseRequest(scoreBodySchema, body)), message, JSON.stringify(body)?.slice(0, 80));
        }
        const rows: [unknown, string][] = [
            [[[1, 2]], 'Row 0 must be an array of 4 values.'],
            [[[1, 2, 3, 4], 'x'], 'Row 1 must be an array of 4 values.'],
            [[[1, 2, 3, { x: 1 }]], 'Row 0 holds a value that is neither a string nor a finite number.'],
            [
                [
                    [1, 2, 3, 4],
                    [1, null, 3, 4],
                ],
                'Row 1 holds a value that is neither a string nor a finite number.',
            ],
        ];
        for (const [body, message] of rows) {
            assert.equal(errorOf(parseRequest(scoreRowsSchema(4), body)), message, JSON.stringify(body));
        }
    });

    it('decision body: by and why, trimmed, both required, nothing else', () => {
        assert.deepEqual(parseRequest(decisionBodySchema, { by: ' ana ', why: 'reviewed' }), {
            ok: true,
            value: { by: 'ana', why: 'reviewed' },
        });
        const cases: [unknown, string][] = [
            [[], 'the body must be a JSON object with by and why'],
            [{}, "'by' must name who decides (1 to 200 characters)"],
            [{ by: '  ', why: 'x' }, "'by' must name who decides (1 to 200 characters)"],
            [{ by: 'ana' }, "'why' must say why (1 to 2000 characters)"],
            [{ by: 'ana', why: 'x'.repeat(2001) }, "'why' must say why (1 to 2000 characters)"],
            [{ by: 'ana', why: 'x', decision: 'approve' }, 'unknown field(s): decision'],
        ];
        for (const [input, message] of cases) {
            assert.equal(errorOf(parseRequest(decisionBodySchema, input)), message, JSON.stringify(input));
        }
    });
});

describe('HTTP request schemas: data management and force', () => {
    it("retrain body: 'force' is a boolean", () => {
        assert.deepEqual(parseRequest(retrainBodySchema, { force: true }), { ok: true, value: { force: true } });
        assert.equal(errorOf(parseRequest(retrainBodySchema, { force: 'yes' })), "'force' must be true or false");
    });

    it('exclude/include body: file and by required (trimmed), why optional, nothing else', () => {
        assert.deepEqual(parseRequest(dataChangeBodySchema, { file: ' a.csv ', by: 'ana' }), {
            ok: true,
            value: { file: 'a.csv', by: 'ana' },
        });
        assert.deepEqual(parseRequest(dataChangeBodySchema, { file: 'a.csv', by: 'ana', why: 'dup' }).ok, true);
        const cases: [unknown, RegExp][] = [
            [{ by: 'ana' }, /^'file' must name a data file/],
            [{ file: '  ', by: 'ana' }, /^'file' must name a data file/],
            [{ file: 'a.csv' }, /^'by' must name who decides/],
            [{ file: 'a.csv', by: 'ana', why: '' }, /^'why' must say why/],
            [{ file: 'a.csv', by: 'ana', force: true }, /^unknown field\(s\): force$/],
            [[], /^the body must be a JSON object with file and by$/],
        ];
        for (const [body, message] of cases) assert.match(errorOf(parseRequest(dataChangeBodySchema, body)), message);
    });
});
