import { Example, readExamples } from './dataset';
import type { ExampleCache } from './exampleCache';
import { FeatureStats } from './featureStats';
import type { TrainedModel } from './model';
import { isHoldout } from './split';
import { ExperimentDefinition, OpenInput, TrainingError } from './types';

export interface PassContext {
    open: OpenInput;
    experiment: ExperimentDefinition;
    hyperparameters: Record<string, number>;
    abortSignal?: AbortSignal;
    /** Filled by the first pass when the rows fit its budget; later passes then read it. */
    cache?: ExampleCache;
}

/**
 * Iterates one pass over the rows (from the cache when the first pass filled it, else streaming),
 * telling each example whether it is held out. `visit` must not keep the example.
 */
export async function forEachExample(
    ctx: PassContext,
    visit: (example: Example, holdout: boolean) => void,
): Promise<void> {
    const { seed, holdoutFraction } = ctx.hyperparameters as { seed: number; holdoutFraction: number };
    if (ctx.cache?.usable) {
        ctx.cache.forEach(
            (example) => visit(example, isHoldout(example.index, seed, holdoutFraction)),
            () => ctx.abortSignal?.aborted === true,
        );
        if (ctx.abortSignal?.aborted) throw new TrainingError('Cancelled', 'The job was cancelled.');
        // One pass is synchronous here: yield so a cancel request or a status poll gets a turn.
        await new Promise((resolve) => setImmediate(resolve));
        return;
    }
    for await (const batch of readExamples(ctx.open, ctx.experiment, { abortSignal: ctx.abortSignal })) {
        for (const example of batch) visit(example, isHoldout(example.index, seed, holdoutFraction));
    }
    if (ctx.abortSignal?.aborted) throw new TrainingError('Cancelled', 'The job was cancelled.');
}

export interface Scan {
    stats: FeatureStats;
    holdoutRows: number;
    /** Distinct label texts in order of first appearance (classification; capped at 3). */
    labels: string[];
}

/**
 * The first pass: feature scaling from the training rows, row counts, and label validation
 * (classes for the classifier, numbers for regression), so later passes can trust every row.
 */
export async function scan(ctx: PassContext, numericLabel: boolean): Promise<Scan> {
    const stats = new FeatureStats(ctx.experiment.featureColumns.length);
    const labels: string[] = [];
    let holdoutRows = 0;
    await forEachExample(ctx, (example, holdout) => {
        if (numericLabel) {
            labelNumber(example, ctx.experiment.labelColumn);
        } else if (!labels.includes(example.label)) {
            labels.push(example.label);
            if (labels.length > 2) {
                throw new TrainingError(
                    'InvalidLabel',
                    `Line ${example.line}: label column '${ctx.experiment.labelColumn}' has more than two values (${labels.map((l) => `'${l}'`).join(', ')}); two-class logistic regression needs exactly two.`,
                );
            }
        }
        if (holdout) holdoutRows++;
        else stats.add(example);
        ctx.cache?.add(example);
    });
    ctx.cache?.finish();
    const width = ctx.experiment.featureColumns.length;
    if (stats.count === 0 && holdoutRows === 0) {
        throw new TrainingError('EmptyInput', 'The input has a header but no data rows.');
    }
    if (stats.count < Math.max(10, width + 2) || holdoutRows < 2) {
        throw new TrainingError(
            'InsufficientData',
            `Too few rows to train and evaluate: ${stats.count} training and ${holdoutRows} held-out rows; need at least ${Math.max(10, width + 2)} and 2.`,
        );
    }
    return { stats, holdoutRows, labels };
}

export function labelNumber(example: Example, labelColumn: string): number {
    if (example.value !== undefined) return example.value;
    const value = example.label === '' ? NaN : Number(example.label);
    if (!Number.isFinite(value)) {
        throw new TrainingError(
            'InputParseError',
            `Line ${example.line}, column '${labelColumn}': '${example.label.slice(0, 40)}' is not a number.`,
        );
    }
    return value;
}

/** Writes [1, standardised features] into `out` (the intercept first). */
export function design(example: Example, mean: Float64Array, scale: Float64Array, out: Float64Array): void {
    out[0] = 1;
    for (let j = 0; j < mean.length; j++) out[j + 1] = (example.features[j] - mean[j]) / scale[j];
}

/** The linear score of a design row: w · x. */
export function dot(w: Float64Array, x: Float64Array): number {
    let z = 0;
    for (let i = 0; i < w.length; i++) z += w[i] * x[i];
    return z;
}

/** The parts of a trained model both algorithms fill the same way. */
export function modelBase(
    ctx: PassContext,
    scan: Scan,
    scale: Float64Array,
    w: Float64Array,
    trainedAt: string,
): Omit<TrainedModel, 'algorithm' | 'metrics' | 'classes'> {
    return {
        labelColumn: ctx.experiment.labelColumn,
        featureColumns: [...ctx.experiment.featureColumns],
        mean: [...scan.stats.mean],
        scale: [...scale],
        intercept: w[0],
        weights: [...w.subarray(1)],
        hyperparameters: { ...ctx.hyperparameters },
        trainingRows: scan.stats.count,
        holdoutRows: scan.holdoutRows,
        trainedAt,
    };
}
