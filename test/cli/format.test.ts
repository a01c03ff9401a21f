import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { pickTarget } from '../../src/cli/commands/upload';
import { headline, metric, table, truncate } from '../../src/cli/format';
import { ProgressBar } from '../../src/cli/progress';
import type { TargetView } from '../../src/cli/retrainerClient';

describe('CLI output', () => {
    it('aligns table columns and leaves no trailing spaces', () => {
        const text = table(
            ['RUN', 'STATE', 'WHY'],
            [
                ['r1', 'Promoted', ''],
                ['run-2', 'Rejected', 'AUC fell'],
            ],
        );
        assert.deepEqual(text.split('\n'), ['RUN    STATE     WHY', 'r1     Promoted', 'run-2  Rejected  AUC fell']);
    });

    it('headlines AUC for classifiers and RMSE for regressors, from canonical metric keys', () => {
        assert.equal(headline({ auc: 0.76603, accuracy: 0.7 }), 'AUC 0.7660');
        assert.equal(headline({ rootMeanSquaredError: 140.21 }), 'RMSE 140.2');
        assert.equal(headline(undefined), '-');
        assert.equal(metric(Number.NaN), '-');
        assert.equal(truncate('abcdef', 4), 'abc…');
    });

    it('draws one progress line per 10% when stderr is not a terminal', () => {
        const lines: string[] = [];
        const stream = { isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream;
        const bar = new ProgressBar(10 * 1024 * 1024, stream);
        for (let done = 0; done <= 10 * 1024 * 1024; done += 256 * 1024) bar.update(done);
        assert.equal(lines.length, 11);
        assert.match(lines[0], /^\[-{30}\] {3}0%/);
        assert.match(lines.at(-1)!, /^\[#{30}\] 100% {2}10\.0 \/ 10\.0 MB\n$/);
    });
});

describe('upload target choice', () => {
    const view = (name: string): TargetView => ({
        name,
        update: 'classic',
        data: { container: 'training-data', prefixPattern: `${name}/*.csv`, labelColumn: 'y', featureColumns: ['x'] },
        champion: null,
        inFlight: null,
    });
    const targets = [view('churn'), view('houses'), view('churn2')];

    it('takes --target, else the target that starts the file name', () => {
        assert.equal(pickTarget(targets, 'x.csv', 'houses').name, 'houses');
        assert.equal(pickTarget(targets, '/data/churn-2026-11.csv', undefined).name, 'churn');
        assert.equal(pickTarget(targets, 'Churn2_batch.csv', undefined).name, 'churn2');
    });

    it('asks which target when the name does not say, and names an unknown one', () => {
        assert.throws(
            () => pickTarget(targets, 'batch.csv', undefined),
            /Pass --target \(one of: churn, houses, churn2\)/,
        );
        assert.throws(() => pickTarget(targets, 'x.csv', 'nope'), /Unknown target 'nope'/);
        assert.equal(pickTarget([view('only')], 'batch.csv', undefined).name, 'only');
    });
});
