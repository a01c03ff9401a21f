import { DEFAULT_CACHE_BUDGET_BYTES, ExampleCache } from './exampleCache';
import { BINARY_COLUMNS, REGRESSION_COLUMNS, evaluationCsv } from './evaluation';
import { resolveHyperparameters, validateExperiment } from './hyperparameters';
import { trainLinear } from './linear';
import { trainLogistic } from './logistic';
import { serializeModel } from './model';
import { ExperimentDefinition, OpenInput, TrainOptions, TrainingError, TrainingOutcome } from './types';

export interface TrainExperimentOptions extends TrainOptions {
    /** Stamp for the model; injectable so identical inputs give identical bytes in tests. */
    now?: () => Date;
    /** Parsed rows kept in memory between passes (0 = stream every pass); see ExampleCache. */
    cacheBudgetBytes?: number;
}

/**
 * Runs a training experiment over a CSV input: validates, trains, evaluates on held-out rows and
 * returns the `.ilearner` bytes and the evaluation CSV. Throws TrainingError (never writes
 * anything) on bad input, so a failed job leaves no model behind.
 */
export async function trainExperiment(
    open: OpenInput,
    experiment: ExperimentDefinition,
    globalParameters: Record<string, string>,
    options: TrainExperimentOptions = {},
): Promise<TrainingOutcome> {
    validateExperiment(experiment);
    const hyperparameters = resolveHyperparameters(experiment, globalParameters);
    const cache = new ExampleCache(
        experiment.featureColumns.length,
        experiment.algorithm === 'linear-regression',
        options.cacheBudgetBytes ?? DEFAULT_CACHE_BUDGET_BYTES,
    );
    const ctx = { open, experiment, hyperparameters, abortSignal: options.abortSignal, cache };
    const trainedAt = (options.now?.() ?? new Date()).toISOString();
    const model =
        experiment.algorithm === 'linear-regression'
            ? await trainLinear(ctx, trainedAt)
            : await trainLogistic(ctx, trainedAt);
    if (![model.intercept, ...model.weights].every(Number.isFinite)) {
        throw new TrainingError(
            'TrainingDiverged',
            'Training did not converge to finite weights; check the data for extreme values.',
        );
    }
    const columns = experiment.algorithm === 'linear-regression' ? REGRESSION_COLUMNS : BINARY_COLUMNS;
    return {
        ilearner: serializeModel(model),
        evaluationCsv: evaluationCsv(columns, model.metrics),
        metrics: model.metrics,
        trainingRows: model.trainingRows,
        holdoutRows: model.holdoutRows,
    };
}
