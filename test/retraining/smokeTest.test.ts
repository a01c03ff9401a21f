import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { SmokeTestRow } from '../../src/retraining/configSchema';
import { checkSmokeTest, smokeTestInput } from '../../src/retraining/smokeTest';

const golden: SmokeTestRow[] = [
    {
        input: { tenure: 2, charges: 95 },
        expected: { 'Scored Labels': '1', 'Scored Probabilities': 0.9 },
        tolerance: 0.05,
    },
    { input: { tenure: 60, charges: 20 }, expected: { 'Scored Labels': '0' } },
];

describe('smoke test', () => {
    it('builds the input table from the golden rows', () => {
        assert.deepEqual(smokeTestInput(golden), {
            columnNames: ['tenure', 'charges'],
            values: [
                ['2', '95'],
                ['60', '20'],
            ],
        });
    });

    it('passes on exact labels and probabilities within tolerance', () => {
        const r = checkSmokeTest(golden, {
            columnNames: ['tenure', 'charges', 'Scored Labels', 'Scored Probabilities'],
            rows: [
                ['2', '95', '1', '0.93'],
                ['60', '20', '0', '0.1'],
            ],
        });
        assert.deepEqual(r, { passed: true, reasons: ['2 golden rows matched'] });
    });

    it('lists every mismatch and missing column', () => {
        const r = checkSmokeTest(golden, {
            columnNames: ['tenure', 'charges', 'scored labels'],
            rows: [
                ['2', '95', '0'],
                ['60', '20', '1'],
            ],
        });
        assert.equal(r.passed, false);
        assert.deepEqual(r.reasons, [
            "row 0: Scored Labels = '0', expected '1'",
            "row 0: no output column 'Scored Probabilities'",
            "row 1: Scored Labels = '1', expected '0'",
        ]);
    });
});
