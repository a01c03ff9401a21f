import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { readCsv } from '../../../src/local/studio/training/csv';
import { canonicalLine, foldName, matchHeader, readRecords, targetColumnsOf } from '../../../src/retraining/dialect';
import { IntakeSchema, intakeSchemaOf, judgeCsv, JudgedContent } from '../../../src/retraining/intake';
import { parseCsv } from '../../../src/retraining/csv';
import { validateUpload } from '../../../src/retraining/validateUpload';

/** Bounded so the file runs in a few seconds; a failure prints its seed to replay it. */
const RUNS = { numRuns: 200 };

const DATA = {
    labelColumn: 'churned',
    featureColumns: ['tenure', 'monthly_charges', 'note'],
    task: 'classification' as const,
    columnTypes: { note: 'text' as const },
};
const SCHEMA = intakeSchemaOf(DATA);
const TARGET = { data: DATA };

/** Numbers as people and tools write them: integers, decimals, signs, exponents. */
const number = fc.oneof(
    fc.integer({ min: -100_000, max: 100_000 }).map(String),
    fc.tuple(fc.integer({ min: -999, max: 999 }), fc.nat({ max: 9999 })).map(([a, b]) => `${a}.${b}`),
    fc.tuple(fc.nat({ max: 99 }), fc.integer({ min: -5, max: 5 })).map(([a, e]) => `${a}e${e}`),
);
/** Text with the characters that break CSV writers; blanks at the ends are not data in the dialect. */
const text = fc
    .string({ unit: fc.constantFrom('a', 'B', ' ', ',', '"', '\n', '\r', '\r\n', 'é', '😀', ';'), maxLength: 10 })
    .map((s) => s.trim());
/** One data row in canonical order: tenure, monthly_charges, note, churned. */
const row = fc.tuple(number, number, text, fc.constantFrom('0', '1', 'yes'));

/** A header name as spreadsheets and R write it: other case, blanks around, quoted. */
const spelling = (name: string) =>
    fc
        .record({
            upper: fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }),
            pad: fc.constantFrom('', ' ', '  '),
        })
        .map(({ upper, pad }) => `${pad}${[...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')}${pad}`);

interface Rendered {
    bytes: Buffer;
    /** The canonical lines the file must give (header first). */
    canonical: string[];
    blankRows: number;
    extras: string[];
    /** The file's line of each data row (header = 1, counting blank lines and quoted line ends). */
    lines: number[];
}

const EOLS = ['\n', '\r\n', '\r'];

/** Renders rows as a user's file: any column order, spellings, extras, quoting, line ends, blanks, BOM. */
const file = (rows: fc.Arbitrary<string[][]>) =>
    fc
        .record({
            rows,
            order: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { minLength: 6, maxLength: 6 }),
            names: fc.tuple(...[...SCHEMA.columns.names, 'region', 'Id'].map(spelling)),
            extraValues: fc.array(fc.tuple(text, number), { maxLength: 50 }),
            quoteAll: fc.array(fc.boolean(), { maxLength: 400 }),
            eols: fc.array(fc.nat({ max: 2 }), { maxLength: 400 }),
            blanks: fc.array(fc.constantFrom('', ',,,,,', '  ', ' , ,', '""'), { maxLength: 6 }),
            blankAt: fc.array(fc.nat(), { maxLength: 6 }),
            bom: fc.boolean(),
            finalEol: fc.boolean(),
        })
        .map((f): Rendered => {
            let q = 0;
            let e = 0;
            const field = (v: string): string => {
                const must = /[",\r\n]/.test(v);
                return must || f.quoteAll[q++ % Math.max(1, f.quoteAll.length)] ? `"${v.replace(/"/g, '""')}"` : v;
            };
            const eol = (): string => EOLS[f.eols.length ? f.eols[e++ % f.eols.length] : 0];
            // Column k of the file holds canonical column order[k] (4 and 5 are the extra columns).
            const header = f.order.map((c) => field(f.names[c]));
            const records: { text: string; data?: number }[] = [{ text: header.join(',') }];
            f.rows.forEach((r, i) => {
                const extra = f.extraValues[i % Math.max(1, f.extraValues.length)] ?? ['', '0'];
                const cells = f.order.map((c) => (c < 4 ? r[c] : extra[c - 4]));
                records.push({ text: cells.map(field).join(','), data: i });
            });
            let blankRows = 0;
            f.blanks.forEach((b, j) => {
                // After the header only: blank lines before it are not rows.
                const at = 1 + ((f.blankAt[j] ?? 0) % records.length);
                records.splice(at, 0, { text: b });
                blankRows++;
            });
            const lines: number[] = [];
            let line = 1;
            let body = '';
            let prevEol = '';
            records.forEach((rec, k) => {
                if (rec.data !== undefined) lines[rec.data] = line;
                // A line end inside a quoted field is a line of the file too (CRLF counts once).
                line += (rec.text.match(/\r\n|\r|\n/g) ?? []).length + 1;
                let end = k < records.length - 1 || f.finalEol ? eol() : '';
                // CR, then an empty line ended by LF, would read as one CRLF: a writer never mixes so.
                if (prevEol === '\r' && rec.text === '' && end === '\n') end = '\r';
                body += rec.text + end;
                prevEol = end;
            });
            // A last line of nothing but blanks, with no line end after it, is no record at all.
            const last = records[records.length - 1];
            if (!f.finalEol && last.data === undefined && last.text.trim() === '' && records.length > 1) blankRows--;
            return {
                bytes: Buffer.from((f.bom ? '\uFEFF' : '') + body, 'utf8'),
                canonical: [canonicalLine(SCHEMA.columns.names), ...f.rows.map((r) => canonicalLine(r))],
                blankRows,
                extras: f.order.filter((c) => c >= 4).map((c) => f.names[c].trim()),
                lines,
            };
        });

const goodRows = fc.array(
    row.filter((r) => r[3] !== 'yes'),
    { minLength: 1, maxLength: 12 },
);

/** Cuts bytes anywhere, even inside a multi-byte character or between CR and LF. */
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

async function judgeWithLines(chunks: Buffer[], schema: IntakeSchema = SCHEMA): Promise<[JudgedContent, string[]]> {
    const lines: string[] = [];
    const judged = await judgeCsv(chunks, schema, { sink: (l) => void lines.push(l) });
    return [judged, lines];
}

describe('the CSV dialect (trigger check, validate-and-hash pass, merge, canonical CSV)', () => {
    it('any header spelling and order, quoting, line ends, BOM and blank rows: all parts agree on the rows', async () => {
        await fc.assert(
            fc.asyncProperty(file(goodRows), fc.array(fc.nat(), { maxLength: 6 }), async (f, cuts) => {
                assert.equal(await validateUpload(TARGET, 'churn/x.csv', f.bytes.subarray(0, 64 * 1024)), undefined);
                const [judged, lines] = await judgeWithLines(chunked(f.bytes, cuts));
                assert.equal(judged.accepted, true, JSON.stringify(judged.problems));
                assert.deepEqual(lines, f.canonical);
                assert.equal(judged.rows, f.canonical.length - 1);
                assert.equal(judged.blankRows, f.blankRows);
                assert.deepEqual(judged.extraColumns, f.extras);
                // The canonical CSV is itself a file of the dialect with the same content and hash.
                const canonical = Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8');
                const [again, againLines] = await judgeWithLines([canonical]);
                assert.equal(again.contentHash, judged.contentHash);
                assert.deepEqual(againLines, lines);
                // ... and the studio emulator (strict, as the real service) reads exactly these rows.
                const studio: string[][] = [];
                for await (const r of readCsv(Readable.from([canonical]))) studio.push(r.fields);
                assert.deepEqual(studio, [SCHEMA.columns.names, ...f.canonical.slice(1).map((l) => parseBack(l))]);
            }),
            RUNS,
        );
    });

    it("the merge of several files is the canonical header then each file's rows, whatever each file looks like", async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(file(goodRows), { minLength: 2, maxLength: 3 }), async (files) => {
                const merged: string[] = [];
                for (const [i, f] of files.entries()) {
                    let first = true;
                    const judged = await judgeCsv([f.bytes], SCHEMA, {
                        stopAtFirstProblem: true,
                        sink: (l) => {
                            if (first && i > 0) {
                                first = false;
                                return;
                            }
                            first = false;
                            merged.push(l);
                        },
                    });
                    assert.equal(judged.accepted, true);
                }
                assert.deepEqual(merged, [files[0].canonical[0], ...files.flatMap((f) => f.canonical.slice(1))]);
            }),
            { numRuns: 60 },
        );
    });

    it('files that differ only in how they are written share one content hash; any changed value changes it', async () => {
        await fc.assert(
            fc.asyncProperty(
                goodRows.chain((rs) => fc.tuple(file(fc.constant(rs)), file(fc.constant(rs)))),
                async ([a, b]) => {
                    const [ja] = await judgeWithLines([a.bytes]);
                    const [jb] = await judgeWithLines([b.bytes]);
                    assert.equal(ja.contentHash, jb.contentHash);
                },
            ),
            { numRuns: 60 },
        );
        const base = Buffer.from('tenure,monthly_charges,note,churned\n1,2,x,0\n');
        const changed = Buffer.from('tenure,monthly_charges,note,churned\n1,2.5,x,0\n');
        const [x] = await judgeWithLines([base]);
        const [y] = await judgeWithLines([changed]);
        assert.notEqual(x.contentHash, y.contentHash);
    });

    it("a bad value is refused at the file's own line and its column, however the file is written", async () => {
        const bad = fc.constantFrom('', 'NaN', 'abc', '1,5', 'Infinity', '0x10', '-');
        await fc.assert(
            fc.asyncProperty(
                file(goodRows).chain((f) =>
                    fc.tuple(fc.constant(f), fc.nat({ max: f.canonical.length - 2 }), fc.constantFrom(0, 1), bad),
                ),
                async ([f, rowIndex, column, value]) => {
                    // Re-render the same file with one numeric cell replaced, by editing its canonical row.
                    const rows = f.canonical.slice(1).map(parseBack);
                    rows[rowIndex][column] = value;
                    const text = [f.canonical[0], ...rows.map((r) => canonicalLine(r))].join('\r\n');
                    const judged = await judgeCsv([Buffer.from(text)], SCHEMA);
                    assert.equal(judged.accepted, false);
                    const lineOf =
                        2 +
                        rows
                            .slice(0, rowIndex)
                            .reduce((n, r) => n + (canonicalLine(r).match(/\r\n|\r|\n/g) ?? []).length + 1, 0);
                    assert.deepEqual(
                        { line: judged.problems[0].line, column: judged.problems[0].column },
                        { line: lineOf, column: SCHEMA.columns.names[column] },
                    );
                },
            ),
            RUNS,
        );
    });

    it("line numbers of problems are the file's own, across blank rows, quoted line ends and CR-only files", async () => {
        await fc.assert(
            fc.asyncProperty(
                file(fc.array(row, { minLength: 1, maxLength: 12 }).filter((rs) => rs.some((r) => r[3] === 'yes'))),
                async (f) => {
                    const strict = intakeSchemaOf({ ...DATA, classes: ['0', '1'] });
                    const judged = await judgeCsv([f.bytes], strict);
                    const expected = f.canonical
                        .slice(1)
                        .map(parseBack)
                        .flatMap((r, i) => (r[3] === 'yes' ? [f.lines[i]] : []));
                    assert.deepEqual(
                        judged.problems.map((p) => p.line),
                        expected.slice(0, 20),
                    );
                    assert.ok(judged.problems.every((p) => p.column === 'churned'));
                },
            ),
            RUNS,
        );
    });

    it('the trigger check and the full pass agree on every header: matched by folded name, any order', async () => {
        const names = fc.array(
            fc.oneof(
                fc.constantFrom(...SCHEMA.columns.names).chain(spelling),
                fc.string({ maxLength: 6 }).filter((s) => !/[",\r\n]/.test(s)),
            ),
            { maxLength: 7 },
        );
        await fc.assert(
            fc.asyncProperty(names, async (header) => {
                const bytes = Buffer.from(`${header.join(',')}\n${header.map(() => '1').join(',')}\n`);
                const check = await validateUpload(TARGET, 'churn/x.csv', bytes);
                const judged = await judgeCsv([bytes], SCHEMA);
                const headerRefused = judged.problems.some((p) => p.line === 1 && /header/.test(p.message));
                const folded = new Set(header.map(foldName));
                const complete = SCHEMA.columns.names.every((n) => folded.has(foldName(n)));
                const unique = SCHEMA.columns.names.every(
                    (n) => header.filter((h) => foldName(h) === foldName(n)).length <= 1,
                );
                const blankHeader = header.every((h) => h.trim() === '');
                if (blankHeader) return; // no header at all: both refuse, with their own words
                assert.equal(check === undefined, complete && unique, check);
                assert.equal(!headerRefused, complete && unique);
                assert.equal(matchHeader(header, targetColumnsOf(DATA)).ok, complete && unique);
            }),
            RUNS,
        );
    });

    it('random bytes: records or a DialectParseError with a line, the same however they are cut', async () => {
        await fc.assert(
            fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat()), async (raw, cuts) => {
                const read = async (chunks: Buffer[]) => {
                    try {
                        const out: string[][] = [];
                        for await (const b of readRecords(chunks)) out.push(...b.map((r) => r.fields));
                        return out;
                    } catch (err) {
                        assert.equal((err as Error).name, 'DialectParseError', String(err));
                        return (err as Error).message;
                    }
                };
                const bytes = Buffer.from(raw);
                assert.deepEqual(await read(chunked(bytes, cuts)), await read([bytes]));
            }),
            RUNS,
        );
    });

    it('the intake cases as a user exports them', async () => {
        const crOnly = Buffer.from(
            '\uFEFF"Tenure","Monthly_Charges","NOTE","Churned","Extra"\r1,2,"a, ""b""",0,z\r,,,,\r\r',
        );
        const [j, lines] = await judgeWithLines([crOnly]);
        assert.equal(j.accepted, true);
        assert.deepEqual(lines, ['tenure,monthly_charges,note,churned', '1,2,"a, ""b""",0']);
        assert.equal(j.blankRows, 2);
        assert.deepEqual(j.extraColumns, ['Extra']);
        const ragged = await judgeCsv([Buffer.from('tenure,monthly_charges,note,churned\n1,2,x,0,9\n3,4\n')], SCHEMA);
        assert.deepEqual(
            ragged.problems.map((p) => [p.line, p.column ?? null]),
            [
                [2, null],
                [3, 'note'],
                [3, 'churned'],
            ],
        );
        const quote = await judgeCsv([Buffer.from('tenure,monthly_charges,note,churned\n1,2,"open,0\n')], SCHEMA);
        assert.equal(quote.accepted, false);
        assert.match(quote.problems[0].message, /quoted field is not closed/);
        const binary = await judgeCsv([Buffer.from('tenure\nab\u0000c')], SCHEMA);
        assert.deepEqual(binary.problems[0], {
            line: 2,
            message: 'the file is binary, not CSV text (it holds NUL bytes)',
        });
    });
});

/**
 * A canonical line back to its values (the canonical CSV is a file of the dialect): the project's
 * small RFC 4180 reader. A canonical line is never blank (the dialect skips blank rows).
 */
function parseBack(line: string): string[] {
    const [row] = parseCsv(line);
    assert.ok(row, `canonical line '${line}' read back as no row`);
    return row;
}
