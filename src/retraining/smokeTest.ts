import type { SmokeTestRow } from './configSchema';

/** What scoring returned, as `ScoringClient.score` gives it. */
export interface ScoredRows {
    columnNames: string[];
    rows: string[][];
}

export interface SmokeTestResult {
    passed: boolean;
    reasons: string[];
}

/** The input table for the golden rows: the union of their input columns, in first-seen order. */
export function smokeTestInput(rows: SmokeTestRow[]): { columnNames: string[]; values: string[][] } {
    const columnNames = [...new Set(rows.flatMap((r) => Object.keys(r.input)))];
    return { columnNames, values: rows.map((r) => columnNames.map((c) => String(r.input[c] ?? ''))) };
}

/**
 * Compares scored golden rows with their expected outputs: strings exactly, numbers within the
 * row's tolerance. Every mismatch is listed so a failed verification explains itself.
 */
export function checkSmokeTest(golden: SmokeTestRow[], scored: ScoredRows): SmokeTestResult {
    const reasons: string[] = [];
    if (scored.rows.length !== golden.length) {
        reasons.push(`expected ${golden.length} scored rows, got ${scored.rows.length}`);
    }
    const index = new Map(scored.columnNames.map((c, i) => [c.toLowerCase(), i]));
    golden.forEach((row, r) => {
        for (const [column, expected] of Object.entries(row.expected)) {
            const i = index.get(column.toLowerCase());
            if (i === undefined) {
                reasons.push(`row ${r}: no output column '${column}'`);
                continue;
            }
            const actual = scored.rows[r]?.[i];
            if (actual === undefined) continue;
            const tolerance = row.tolerance ?? 0;
            const ok =
                typeof expected === 'number'
                    ? Number.isFinite(Number(actual)) && Math.abs(Number(actual) - expected) <= tolerance + 1e-12
                    : actual === expected;
            if (!ok) {
                const within = typeof expected === 'number' && tolerance > 0 ? ` ± ${tolerance}` : '';
                reasons.push(`row ${r}: ${column} = '${actual}', expected '${expected}'${within}`);
            }
        }
    });
    return {
        passed: reasons.length === 0,
        reasons: reasons.length === 0 ? [`${golden.length} golden rows matched`] : reasons,
    };
}
