import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { parseCsv } from '../../src/retraining/csv';
import { validateConfig } from '../../src/retraining/config';
import { validateUpload } from '../../src/retraining/validateUpload';
import { readCsv } from '../../src/local/studio/training/csv';
import { TrainingError } from '../../src/local/studio/training/types';
import { churnTarget } from '../helpers/demoTargets';

/** Bounded so the whole file runs in about a second; a failure prints its seed to replay it. */
const RUNS = { numRuns: 300 };

/** Fields with the characters that break CSV readers: quotes, separators, line ends, BOMs, astral. */
const field = fc.string({
    unit: fc.oneof(
        fc.constantFrom('"', ',', '\n', '\r', '\r\n', '\uFEFF', ' ', '\t', '😀', 'é', '\u0000'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 12,
});
const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });

const quote = (f: string): string => `"${f.replace(/"/g, '""')}"`;
const toCsv = (rs: string[][], eol: string): string => rs.map((r) => r.map(quote).join(',')).join(eol) + eol;

/** Splits bytes at the given cut points (any byte, even inside a multi-byte character). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
    const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const out: Buffer[] = [];
    let prev = 0;
    for (const c of [...at, bytes.length]) {
        out.push(bytes.subarray(prev, c));
        prev = c;
    }
    return out;
}

async function readAll(chunks: Buffer[], maxRowChars?: number): Promise<string[][] | string> {
    try {
        const out: string[][] = [];
        for await (const r of readCsv(Readable.from(chunks), { maxRowChars })) out.push(r.fields);
        return out;
    } catch (err) {
        // Only the parser's own, named error may come out: anything else is a crash.
        assert.ok(err instanceof TrainingError, `unexpected ${String(err)}`);
        return err.message;
    }
}

describe('hostile CSV and config input (fast-check properties)', () => {
    it('studio CSV reader: any quoted rows, any line ends, a BOM, cut anywhere, read back exactly', async () => {
        await fc.assert(
            fc.asyncProperty(
                rows,
                fc.constantFrom('\n', '\r\n'),
                fc.boolean(),
                fc.array(fc.nat()),
                async (rs, eol, bom, cuts) => {
                    const bytes = Buffer.from((bom ? '\uFEFF' : '') + toCsv(rs, eol), 'utf8');
                    // A line holding one empty field is a blank line, and blank lines are skipped.
                    const expected = rs.filter((r) => !(r.length === 1 && r[0] === ''));
                    assert.deepEqual(await readAll(chunked(bytes, cuts)), expected);
                },
            ),
            RUNS,
        );
    });

    it('studio CSV reader: random bytes give rows or a named parse error, the same however they are cut', async () => {
        await fc.assert(
            fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat()), async (raw, cuts) => {
                const bytes = Buffer.from(raw);
                const whole = await readAll([bytes], 64);
                assert.deepEqual(await readAll(chunked(bytes, cuts), 64), whole);
            }),
            RUNS,
        );
    });

    it('app CSV reader: quoted rows read back; random text never throws', () => {
        fc.assert(
            fc.property(rows, fc.constantFrom('\n', '\r\n'), (rs, eol) => {
                const visible = rs.filter((r) => r.some((f) => f.trim().length > 0));
                assert.deepEqual(parseCsv(toCsv(rs, eol)), visible);
            }),
            RUNS,
        );
        fc.assert(
            fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
                const out = parseCsv(s);
                assert.ok(Array.isArray(out) && out.every((r) => Array.isArray(r)));
            }),
            RUNS,
        );
    });

    const rawTarget = churnTarget({
        studioUrl: 'http://127.0.0.1:1',
        dataContainer: 'data',
        modelsContainer: 'models',
    });
    const target = validateConfig({ storage: { connectionStringSetting: 'S' }, targets: [rawTarget] }).targets[0];
    const COLUMNS = ['churned', 'tenure', 'monthly_charges', 'support_calls', 'contract_months'];

    it('upload validation: any name and bytes get a reason or a pass, never a throw; a pass has the columns', async () => {
        const names = fc.oneof(
            fc.string({ maxLength: 40 }),
            fc.constantFrom(
                'churn/../../etc/passwd.csv',
                'churn/%2e%2e/x.csv',
                'churn/ünï cödé.CSV',
                'churn/.csv',
                'churn/a\u0000.csv',
            ),
        );
        const heads = fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
            fc
                .tuple(
                    // Each column at most once, spelled as exports do: other case, blanks around, quoted.
                    fc
                        .shuffledSubarray([...COLUMNS, 'x', ''])
                        .chain((cols) =>
                            fc.tuple(...cols.map((c) => fc.constantFrom(c, c.toUpperCase(), ` ${c} `, `"${c}"`))),
                        ),
                    fc.oneof(fc.string({ maxLength: 60 }), fc.constant('1,2,3,4,5\n')),
                    fc.boolean(),
                )
                .map(([cols, rest, bom]) => Buffer.from(`${bom ? '\uFEFF' : ''}${cols.join(',')}\n${rest}`, 'utf8')),
        );
        let passed = 0;
        await fc.assert(
            fc.asyncProperty(names, heads, async (name, head) => {
                const problem = await validateUpload(target, name, head);
                if (problem === undefined) {
                    assert.match(name, /\.csv$/i);
                    // An independent reader's first non-blank row: the header the check matched.
                    const header = (parseCsv(head.toString('utf8'))[0] ?? []).map((h) => h.trim().toLowerCase());
                    for (const c of COLUMNS) assert.ok(header.includes(c), `passed without '${c}'`);
                    passed += 1;
                } else {
                    assert.equal(typeof problem, 'string');
                    assert.ok(problem.length > 0);
                }
            }),
            { numRuns: 1000 },
        );
        assert.ok(passed > 0, 'some generated files were acceptable, so the pass branch was exercised');
    });

    it('config validation: any JSON is a config or one ConfigError; a secret pasted anywhere is never echoed', () => {
        fc.assert(
            fc.property(fc.jsonValue({ maxDepth: 4 }), (raw) => {
                try {
                    validateConfig(raw);
                } catch (err) {
                    assert.ok(err instanceof Error && err.name === 'ConfigError', `unexpected ${String(err)}`);
                }
            }),
            RUNS,
        );
        const secret = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0';
        const paths: string[][] = [
            ['storage', 'connectionStringSetting'],
            ['targets', '0', 'training', 'apiKeySetting'],
            ['targets', '0', 'update', 'apiKeySetting'],
            ['targets', '0', 'name'],
            ['targets', '0', 'training', 'besUrl'],
            ['targets', '0', 'data', 'container'],
        ];
        fc.assert(
            fc.property(
                fc.constantFrom(...paths),
                // An object whose toString is not a function throws on String(): CI found one in a name.
                fc.oneof(fc.constant(secret), fc.constant({ toString: {} }), fc.jsonValue({ maxDepth: 2 })),
                (p, value) => {
                    const raw = JSON.parse(
                        JSON.stringify({ storage: { connectionStringSetting: 'S' }, targets: [rawTarget] }),
                    ) as Record<string, unknown>;
                    let node = raw;
                    for (const k of p.slice(0, -1)) node = node[k] as Record<string, unknown>;
                    node[p.at(-1)!] = value;
                    try {
                        validateConfig(raw);
                    } catch (err) {
                        assert.ok(err instanceof Error && err.name === 'ConfigError', `unexpected ${String(err)}`);
                        assert.ok(!err.message.includes(secret), 'the pasted secret is not echoed');
                        assert.ok(!err.message.includes('c2VjcmV0c2Vj'), 'not even in part');
                    }
                },
            ),
            RUNS,
        );
    });
});
