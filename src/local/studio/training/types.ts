/**
 * The contract between the studio's HTTP surfaces and its training engine. The engine is pure
 * computation over streams: it knows nothing about HTTP or storage.
 */
import type { Readable } from 'node:stream';

export type Algorithm = 'two-class-logistic-regression' | 'linear-regression';

/** A training service's "training experiment": what it learns from which columns. */
export interface ExperimentDefinition {
    algorithm: Algorithm;
    labelColumn: string;
    featureColumns: string[];
    /** Classification only: the label value counted as positive (default "1"). */
    positiveLabel?: string;
    /** Defaults per algorithm; BES GlobalParameters of the same name (case-insensitive) override. */
    hyperparameters?: Record<string, number>;
}

/** Opens the input afresh; the engine may read it more than once (one pass per iteration). */
export type OpenInput = () => Promise<Readable>;

export interface TrainOptions {
    abortSignal?: AbortSignal;
}

export interface TrainingOutcome {
    /** The serialized `.ilearner` bytes (header line names format and version). */
    ilearner: Buffer;
    /** Evaluate Model style CSV: one header row, one value row. */
    evaluationCsv: string;
    metrics: Record<string, number>;
    trainingRows: number;
    holdoutRows: number;
}

/** Column table as RRS speaks it (values are strings). */
export interface ScoredTable {
    ColumnNames: string[];
    ColumnTypes: string[];
    Values: string[][];
}

/**
 * A failure the job reports in `Details`. `code` is the BES inner error code
 * (e.g. InputParseError, MissingColumn, EmptyInput, InvalidModel, InvalidGlobalParameter).
 */
export class TrainingError extends Error {
    constructor(
        readonly code: string,
        message: string,
    ) {
        super(message);
        this.name = 'TrainingError';
    }
}
