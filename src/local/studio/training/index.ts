export * from './types';
export { trainExperiment, TrainExperimentOptions } from './train';
export { TrainedModel, parseIlearner, serializeModel, ILEARNER_FORMAT, ILEARNER_VERSION } from './model';
export { scoreTable } from './score';
export { validateExperiment, resolveHyperparameters, ALGORITHMS } from './hyperparameters';
export { parseEvaluationCsv, evaluationCsv, BINARY_COLUMNS, REGRESSION_COLUMNS } from './evaluation';
export { readCsv, CsvRow } from './csv';
