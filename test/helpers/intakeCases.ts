import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The in-repo copies of ../shared/cases/intake (tests never read outside the repo). */
const DIR = path.resolve(__dirname, '../../../test/fixtures/intake');

export function intakeCase(file: string): Buffer {
    return readFileSync(path.join(DIR, file));
}

export interface IntakeCase {
    file: string;
    target: 'churn' | 'houses';
    /** What its README says it must do. */
    must: 'train' | 'refuse';
    /** For `train`: rows and blank rows the run record must show for the file. */
    rows?: number;
    blankRows?: number;
    /** For `refuse`: the file's own lines and columns the reason must name. */
    problems?: [number, string][];
}

/** test/fixtures/intake/README.md, as data. */
export const INTAKE_CASES: IntakeCase[] = [
    { file: 'churn-reordered-columns.csv', target: 'churn', must: 'train', rows: 20, blankRows: 0 },
    { file: 'churn-header-case.csv', target: 'churn', must: 'train', rows: 20, blankRows: 0 },
    { file: 'houses-header-spaces.csv', target: 'houses', must: 'train', rows: 5, blankRows: 0 },
    { file: 'churn-trailing-delimiter-rows.csv', target: 'churn', must: 'train', rows: 20, blankRows: 2 },
    {
        file: 'churn-missing-values.csv',
        target: 'churn',
        must: 'refuse',
        problems: [
            [5, 'monthly_charges'],
            [9, 'support_calls'],
        ],
    },
];

/** The good file of a target, uploaded after every case: no case may block later runs. */
export const GOOD_FILE = { churn: 'churn-good.csv', houses: 'houses-good.csv' } as const;
