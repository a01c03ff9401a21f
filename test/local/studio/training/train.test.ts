import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';

import { classificationCsv, regressionCsv, toText } from '../../../../src/local/samples';
import {
    ExperimentDefinition,
    TrainingError,
    parseEvaluationCsv,
    parseIlearner,
    scoreTable,
    trainExperiment,
} from '../../../../src/local/studio/training';

const churn: ExperimentDefinition = {
    algorithm: 'two-class-logistic-regression',
    labelColumn: 'churned',
    featureColumns: ['tenure', 'monthly_charges', 'support_calls', 'contract_months'],
};
const houses: ExperimentDefinition = {
    algorithm: 'linear-regression',
    labelColumn: 'price',
    featureColumns: ['sqft', 'bedrooms', 'age', 'distance_km'],
};
const fixedClock = { now: () => new Date('2026-01-01T00:00:00Z') };

function fromText(text: string, chunkSize?: number) {
    return () => {
        if (!chunkSize) return Promise.resolve(Readable.from([Buffer.from(text)]));
        const bytes = Buffer.from(text);
        const chunks: Buffer[] = [];
        for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
        return Promise.resolve(Readable.from(chunks));
    };
}

async function failure(text: string, experiment = churn, params: Record<string, string> = {}): Promise<TrainingError> {
    try {
        await trainExperiment(fromText(text), experiment, params);
    } catch (err) {
        assert.ok(err instanceof TrainingError, `expected a TrainingError, got ${String(err)}`);
        return err;
    }
    throw new Error('training unexpectedly succeeded');
}

describe('trainExperiment', () => {
    it('learns a real signal: held-out AUC well above chance, and chance on shuffled labels', async () => {
        const signal = await toText(classificationCsv({ rows: 4000, seed: 7 }));
        const noise = await toText(classificationCsv({ rows: 4000, seed: 7, shuffleLabels: true }));
        const good = await trainExperiment(fromText(signal), churn, {});
        const none = await trainExperiment(fromText(noise), churn, {});
        assert.ok(good.metrics.AUC > 0.8, `AUC with signal ${good.metrics.AUC}`);
        assert.ok(Math.abs(none.metrics.AUC - 0.5) < 0.06, `AUC without signal ${none.metrics.AUC}`);
        assert.equal(good.trainingRows + good.holdoutRows, 4000);
        const evaluation = parseEvaluationCsv(good.evaluationCsv);
        assert.deepEqual(Object.keys(evaluation).slice(4, 9), ['Accuracy', 'Precision', 'Recall', 'F-Score', 'AUC']);
        assert.equal(evaluation.AUC, Number(good.metrics.AUC.toPrecision(12)));
        assert.equal(good.evaluationCsv.trim().split('\n').length, 2, 'one header row and one value row');
    });

    it('is deterministic and independent of how the bytes are chunked', async () => {
        const text = await toText(classificationCsv({ rows: 1500, seed: 3 }));
        const whole = await trainExperiment(fromText(text), churn, {}, fixedClock);
        const bytewise = await trainExperiment(fromText(text, 7), churn, {}, fixedClock);
        assert.deepEqual(bytewise.ilearner, whole.ilearner);
    });

    it('gives the same model when the CSV arrives one byte at a time, CRLF and blank trailing lines included', async () => {
        const text = (await toText(classificationCsv({ rows: 300, seed: 4 }))).replace(/\n/g, '\r\n') + '\r\n\r\n';
        const whole = await trainExperiment(fromText(text), churn, {}, fixedClock);
        const bytewise = await trainExperiment(fromText(text, 1), churn, {}, fixedClock);
        assert.equal(whole.trainingRows + whole.holdoutRows, 300);
        assert.deepEqual(bytewise.ilearner, whole.ilearner);
    });

    it('refuses labels that are not two classes including the positive one', async () => {
        const header = 'tenure,monthly_charges,support_calls,contract_months,churned\n';
        const table = (label: (i: number) => string) =>
            header + Array.from({ length: 40 }, (_, i) => `${i},${50 + i},1,12,${label(i)}`).join('\n');
        const single = await failure(table(() => '0'));
        assert.equal(single.code, 'InvalidLabel');
        assert.match(single.message, /single value '0'/);
        const noPositive = await failure(table((i) => (i % 2 ? 'yes' : 'no')));
        assert.equal(noPositive.code, 'InvalidLabel');
        assert.match(noPositive.message, /positive label '1'/);
        const named = await trainExperiment(
            fromText(table((i) => (i % 2 ? 'yes' : 'no'))),
            {
                ...churn,
                positiveLabel: 'yes',
            },
            {},
        );
        const model = parseIlearner(named.ilearner);
        assert.deepEqual(model.classes, { positive: 'yes', negative: 'no' });
        const regressionLabel = await failure(
            table((i) => (i === 5 ? 'n/a' : String(i))),
            {
                ...houses,
                labelColumn: 'churned',
                featureColumns: churn.featureColumns,
            },
        );
        assert.match(regressionLabel.message, /Line 7, column 'churned': 'n\/a' is not a number/);
    });

    it('refuses an incoherent experiment before reading any data', async () => {
        let opened = false;
        const open = () => {
            opened = true;
            return Promise.resolve(Readable.from(['']));
        };
        await assert.rejects(
            trainExperiment(open, { ...churn, featureColumns: ['tenure', 'churned', 'tenure'] }, {}),
            (e: TrainingError) =>
                e.code === 'InvalidExperiment' &&
                /'churned' is both the label and a feature/.test(e.message) &&
                /'tenure' is listed twice/.test(e.message),
        );
        assert.equal(opened, false);
    });

    it('fits linear regression: high R² on signal, near zero on noise-only labels', async () => {
        const text = await toText(regressionCsv({ rows: 3000, seed: 5, noise: 10 }));
        const fit = await trainExperiment(fromText(text), houses, {});
        assert.ok(fit.metrics['Coefficient of Determination'] > 0.95, JSON.stringify(fit.metrics));
        const model = parseIlearner(fit.ilearner);
        // Recover the generating slope of sqft (0.15 per sqft) from the standardised weight.
        assert.ok(Math.abs(model.weights[0] / model.scale[0] - 0.15) < 0.01);
        const flat = await toText(regressionCsv({ rows: 3000, seed: 5, noise: 100_000 }));
        const noFit = await trainExperiment(fromText(flat), houses, {});
        assert.ok(Math.abs(noFit.metrics['Coefficient of Determination']) < 0.05);
    });

    it('names the problem in bad input, and produces nothing', async () => {
        const missing = await failure('tenure,monthly_charges\n1,2\n');
        assert.equal(missing.code, 'MissingColumn');
        assert.match(missing.message, /'churned'/);
        assert.match(missing.message, /'support_calls'/);
        assert.match(missing.message, /header has: tenure, monthly_charges/);

        const rows = Array.from({ length: 30 }, (_, i) => `${i},50,1,12,${i % 2}`);
        rows[12] = '12,abc,1,12,0';
        const nonNumeric = await failure(
            `tenure,monthly_charges,support_calls,contract_months,churned\n${rows.join('\n')}\n`,
        );
        assert.equal(nonNumeric.code, 'InputParseError');
        assert.match(nonNumeric.message, /Line 14, column 'monthly_charges': 'abc' is not a number/);

        assert.equal((await failure('')).code, 'EmptyInput');
        assert.equal(
            (await failure('tenure,monthly_charges,support_calls,contract_months,churned\n')).code,
            'EmptyInput',
        );
        const ragged = await failure('tenure,monthly_charges,support_calls,contract_months,churned\n1,2,3\n');
        assert.match(ragged.message, /Line 2: expected 5 fields/);
        const threeClasses = Array.from({ length: 30 }, (_, i) => `${i},50,1,12,${i % 3}`).join('\n');
        assert.equal(
            (await failure(`tenure,monthly_charges,support_calls,contract_months,churned\n${threeClasses}\n`)).code,
            'InvalidLabel',
        );
        const few = await failure(
            'tenure,monthly_charges,support_calls,contract_months,churned\n1,2,3,4,1\n2,2,3,4,0\n',
        );
        assert.equal(few.code, 'InsufficientData');
    });

    it('applies global parameters by name and refuses unknown ones', async () => {
        const text = await toText(classificationCsv({ rows: 1500, seed: 9 }));
        const base = parseIlearner((await trainExperiment(fromText(text), churn, {})).ilearner);
        const shrunk = parseIlearner((await trainExperiment(fromText(text), churn, { L2: '50' })).ilearner);
        const norm = (w: number[]) => Math.hypot(...w);
        assert.ok(norm(shrunk.weights) < norm(base.weights) / 5, 'a huge L2 penalty shrinks the weights');
        assert.equal(shrunk.hyperparameters.l2, 50);
        const unknown = await failure(text, churn, { learningRate: '0.1' });
        assert.equal(unknown.code, 'InvalidGlobalParameter');
        assert.match(unknown.message, /'learningRate'/);
        assert.match((await failure(text, churn, { l2: 'lots' })).message, /'l2' must be a number/);
    });

    it('scores rows with the trained model, passing extra columns through', async () => {
        const text = await toText(classificationCsv({ rows: 2000, seed: 11 }));
        const model = parseIlearner((await trainExperiment(fromText(text), churn, {})).ilearner);
        const table = scoreTable(
            model,
            ['id', 'tenure', 'monthly_charges', 'support_calls', 'contract_months'],
            [
                ['loyal', '70', '25', '0', '24'],
                ['leaving', '1', '115', '9', '1'],
            ],
        );
        assert.deepEqual(table.ColumnNames.slice(-2), ['Scored Labels', 'Scored Probabilities']);
        assert.equal(table.Values[0][0], 'loyal');
        assert.equal(table.Values[0][5], '0');
        assert.equal(table.Values[1][5], '1');
        assert.ok(Number(table.Values[1][6]) > 0.9);
        assert.throws(() => scoreTable(model, ['tenure'], [['1']]), /not found/);
        assert.throws(
            () => scoreTable(model, churn.featureColumns, [['1', 'x', '1', '1']]),
            /Row 1, column 'monthly_charges'/,
        );
    });

    it('rejects corrupt or foreign model bytes', async () => {
        const text = await toText(classificationCsv({ rows: 800, seed: 1 }));
        const bytes = (await trainExperiment(fromText(text), churn, {})).ilearner;
        assert.equal(parseIlearner(bytes).algorithm, 'two-class-logistic-regression');
        const tampered = Buffer.from(bytes.toString().replace('"intercept":', '"intercept":1+'));
        assert.throws(() => parseIlearner(tampered), /checksum/);
        assert.throws(() => parseIlearner(Buffer.from('PK\u0003\u0004zip')), /Not a RETRAINER-ILEARNER model/);
        assert.throws(
            () => parseIlearner(Buffer.from(bytes.toString().replace('ILEARNER/1', 'ILEARNER/9'))),
            /version 9/,
        );
    });

    it('scores regression rows as a Double prediction', async () => {
        const text = await toText(regressionCsv({ rows: 2000, seed: 6, noise: 1 }));
        const model = parseIlearner((await trainExperiment(fromText(text), houses, {})).ilearner);
        const table = scoreTable(model, [...houses.featureColumns, 'price'], [['2000', '3', '10', '5.0', '999']]);
        assert.deepEqual(table.ColumnNames, [...houses.featureColumns, 'price', 'Scored Labels']);
        assert.deepEqual(table.ColumnTypes, ['String', 'String', 'String', 'String', 'String', 'Double']);
        // 50 + 0.15*2000 + 10*3 - 0.8*10 - 3*5 = 357 (thousands), per the generator.
        assert.ok(Math.abs(Number(table.Values[0][5]) - 357) < 3, table.Values[0][5]);
        assert.throws(() => scoreTable(model, houses.featureColumns, [['1', '2']]), /Row 1: expected 4 values/);
    });

    it('stops when aborted', async () => {
        const text = await toText(classificationCsv({ rows: 2000, seed: 2 }));
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(
            trainExperiment(fromText(text), churn, {}, { abortSignal: controller.signal }),
            /cancelled/,
        );
    });

    it('stops between chunks when aborted during a later streamed pass', async () => {
        const text = await toText(classificationCsv({ rows: 2000, seed: 2 }));
        const controller = new AbortController();
        let opens = 0;
        const open = () => {
            if (++opens === 3) controller.abort();
            return fromText(text, 512)();
        };
        await assert.rejects(
            // No cache, so every pass streams (as a file over the cache budget does).
            trainExperiment(open, churn, {}, { abortSignal: controller.signal, cacheBudgetBytes: 0 }),
            (e: TrainingError) => e.code === 'Cancelled',
        );
        assert.equal(opens, 3);
    });

    it('parses the file once when it fits the cache budget, streams every pass when not, and learns the same model', async () => {
        for (const [experiment, text] of [
            [churn, await toText(classificationCsv({ rows: 20_000, seed: 4 }))],
            [houses, await toText(regressionCsv({ rows: 20_000, seed: 4 }))],
        ] as const) {
            const models: string[] = [];
            for (const cacheBudgetBytes of [undefined, 0, 700_000]) {
                let opens = 0;
                const open = () => {
                    opens++;
                    return fromText(text, 65536)();
                };
                const outcome = await trainExperiment(open, experiment, {}, { ...fixedClock, cacheBudgetBytes });
                models.push(outcome.ilearner.toString('base64'));
                if (cacheBudgetBytes === undefined) assert.equal(opens, 1, `${experiment.algorithm}: one parse`);
                // Blocks hold 16384 rows of 5 numbers (655 kB): the second block is over 700 kB, so the
                // cache is dropped halfway through the first pass.
                else assert.ok(opens >= 3, `${experiment.algorithm}: every pass streams (${opens} opens)`);
            }
            assert.equal(models[1], models[0], `${experiment.algorithm}: cached and streamed models are identical`);
            assert.equal(models[2], models[0], `${experiment.algorithm}: a dropped cache changes nothing`);
        }
    });
});
