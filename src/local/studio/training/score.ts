import { parseNumber, resolveColumns } from './dataset';
import { TrainedModel, linearScore, sigmoid } from './model';
import { ScoredTable, TrainingError } from './types';

/**
 * Scores rows the way a Studio predictive experiment's output does: the input columns as given,
 * then `Scored Labels` (and `Scored Probabilities` for a classifier), all values as strings.
 */
export function scoreTable(model: TrainedModel, columnNames: string[], values: string[][]): ScoredTable {
    const columns = resolveColumns(
        columnNames,
        { algorithm: model.algorithm, labelColumn: model.labelColumn, featureColumns: model.featureColumns },
        false,
    );
    const classifier = model.algorithm === 'two-class-logistic-regression';
    const out: string[][] = values.map((row, r) => {
        if (!Array.isArray(row) || row.length !== columnNames.length) {
            throw new TrainingError(
                'InputParseError',
                `Row ${r + 1}: expected ${columnNames.length} values like ColumnNames, found ${Array.isArray(row) ? row.length : 0}.`,
            );
        }
        const features = columns.featureIndexes.map((c) =>
            parseNumber(String(row[c]), r + 1, columns.header[c], 'Row'),
        );
        const z = linearScore(model, features);
        const cells = row.map((v) => String(v));
        if (!classifier) return [...cells, String(z)];
        const probability = sigmoid(z);
        const label = probability >= 0.5 ? model.classes!.positive : model.classes!.negative;
        return [...cells, label, String(probability)];
    });
    return {
        ColumnNames: [...columnNames, 'Scored Labels', ...(classifier ? ['Scored Probabilities'] : [])],
        ColumnTypes: [
            ...columnNames.map(() => 'String'),
            classifier ? 'String' : 'Double',
            ...(classifier ? ['Double'] : []),
        ],
        Values: out,
    };
}
