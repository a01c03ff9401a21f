import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    CHURN_COLUMNS,
    HOUSE_COLUMNS,
    classificationCsv,
    regressionCsv,
    seededRandom,
    toText,
} from '../../../src/local/samples';

function rowsOf(text: string): string[][] {
    return text
        .trim()
        .split('\n')
        .map((l) => l.split(','));
}

/** Fraction of churners among rows whose column `col` passes `pick`. */
function churnRate(rows: string[][], col: number, pick: (v: number) => boolean): number {
    const chosen = rows.slice(1).filter((r) => pick(Number(r[col])));
    return chosen.filter((r) => r[4] === '1').length / chosen.length;
}

describe('seededRandom', () => {
    it('repeats for a seed, differs across seeds, stays in [0, 1)', () => {
        const a = seededRandom(5);
        const b = seededRandom(5);
        const c = seededRandom(6);
        const xs = Array.from({ length: 1000 }, () => a());
        assert.deepEqual(
            xs,
            Array.from({ length: 1000 }, () => b()),
        );
        assert.notDeepEqual(
            xs.slice(0, 10),
            Array.from({ length: 10 }, () => c()),
        );
        assert.ok(xs.every((x) => x >= 0 && x < 1));
        const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
        assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    });
});

describe('classificationCsv', () => {
    it('streams the header and the requested rows in several chunks, the same for the same seed', async () => {
        let chunks = 0;
        let text = '';
        for await (const chunk of classificationCsv({ rows: 5000, seed: 3 })) {
            chunks++;
            text += String(chunk);
        }
        assert.ok(chunks > 2, 'rows are produced lazily in chunks, not as one string');
        const rows = rowsOf(text);
        assert.deepEqual(rows[0], [...CHURN_COLUMNS]);
        assert.equal(rows.length, 5001);
        assert.ok(rows.slice(1).every((r) => r.length === 5 && r.every((v) => Number.isFinite(Number(v)))));
        assert.equal(await toText(classificationCsv({ rows: 5000, seed: 3 })), text);
        assert.notEqual(await toText(classificationCsv({ rows: 5000, seed: 4 })), text);
    });

    it('carries the documented signal, and none when labels are shuffled', async () => {
        const rows = rowsOf(await toText(classificationCsv({ rows: 8000, seed: 1 })));
        const calls = 2;
        assert.ok(churnRate(rows, calls, (v) => v >= 4) > churnRate(rows, calls, (v) => v === 0) + 0.2);
        const shuffled = rowsOf(await toText(classificationCsv({ rows: 8000, seed: 1, shuffleLabels: true })));
        const gap = churnRate(shuffled, calls, (v) => v >= 4) - churnRate(shuffled, calls, (v) => v === 0);
        assert.ok(Math.abs(gap) < 0.06, `gap without signal ${gap}`);
    });

    it('drift moves the weight from tenure to support calls; label noise flattens the signal', async () => {
        const tenureGap = (rows: string[][]) => churnRate(rows, 0, (v) => v < 12) - churnRate(rows, 0, (v) => v >= 60);
        const base = rowsOf(await toText(classificationCsv({ rows: 8000, seed: 2 })));
        const drifted = rowsOf(await toText(classificationCsv({ rows: 8000, seed: 2, drift: 1 })));
        const noisy = rowsOf(await toText(classificationCsv({ rows: 8000, seed: 2, labelNoise: 0.8 })));
        assert.ok(tenureGap(drifted) < tenureGap(base) - 0.1, `${tenureGap(drifted)} vs ${tenureGap(base)}`);
        assert.ok(tenureGap(noisy) < tenureGap(base) / 2, `${tenureGap(noisy)} vs ${tenureGap(base)}`);
    });
});

describe('regressionCsv', () => {
    it('prices follow size, and drift raises the price per square foot', async () => {
        const slope = (rows: string[][]) => {
            const data = rows.slice(1).map((r) => [Number(r[0]), Number(r[4])]);
            const mx = data.reduce((s, [x]) => s + x, 0) / data.length;
            const my = data.reduce((s, [, y]) => s + y, 0) / data.length;
            const cov = data.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
            return cov / data.reduce((s, [x]) => s + (x - mx) ** 2, 0);
        };
        const base = rowsOf(await toText(regressionCsv({ rows: 4000, seed: 8 })));
        assert.deepEqual(base[0], [...HOUSE_COLUMNS]);
        assert.equal(base.length, 4001);
        assert.ok(Math.abs(slope(base) - 0.15) < 0.01, `slope ${slope(base)}`);
        const drifted = rowsOf(await toText(regressionCsv({ rows: 4000, seed: 8, drift: 1 })));
        assert.ok(Math.abs(slope(drifted) - 0.2) < 0.01, `drifted slope ${slope(drifted)}`);
    });
});
