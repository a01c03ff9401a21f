import { GrowableFloat64 } from './growable';
import { linalgRidge, solveSpd } from './linalg';
import { binaryMetrics } from './metrics';
import { TrainedModel, sigmoid } from './model';
import { PassContext, design, dot, forEachExample, modelBase, scan } from './passes';
import { TrainingError } from './types';

/**
 * Two-class logistic regression by Newton's method (IRLS) with an L2 penalty: each iteration is
 * one streaming pass accumulating the gradient and Hessian, so memory is O(features²), never
 * O(rows). Evaluated on the held-out rows.
 */
export async function trainLogistic(ctx: PassContext, trainedAt: string): Promise<TrainedModel> {
    const scanned = await scan(ctx, false);
    const { stats, labels } = scanned;
    const positive = ctx.experiment.positiveLabel ?? '1';
    const label = ctx.experiment.labelColumn;
    if (labels.length < 2) {
        throw new TrainingError(
            'InvalidLabel',
            `Label column '${label}' has a single value '${labels[0]}'; two classes are needed.`,
        );
    }
    if (!labels.includes(positive)) {
        throw new TrainingError(
            'InvalidLabel',
            `Label column '${label}' has values ${labels.map((l) => `'${l}'`).join(', ')}; none is the positive label '${positive}'.`,
        );
    }
    const negative = labels.find((l) => l !== positive)!;
    const mean = stats.mean;
    const scale = stats.scale();
    const p = mean.length + 1;
    const w = new Float64Array(p);
    const x = new Float64Array(p);
    const { l2, maxIterations, tolerance } = ctx.hyperparameters;
    let trainingLogLoss = NaN;
    for (let iteration = 0; iteration < maxIterations; iteration++) {
        const h = new Float64Array(p * p);
        const g = new Float64Array(p);
        let loss = 0;
        let n = 0;
        await forEachExample(ctx, (example, holdout) => {
            if (holdout) return;
            design(example, mean, scale, x);
            const prob = sigmoid(dot(w, x));
            const y = example.label === positive ? 1 : 0;
            loss -= y === 1 ? Math.log(Math.max(prob, 1e-15)) : Math.log(Math.max(1 - prob, 1e-15));
            const r = prob - y;
            const weight = Math.max(prob * (1 - prob), 1e-10);
            for (let i = 0; i < p; i++) {
                g[i] += r * x[i];
                const wx = weight * x[i];
                for (let j = 0; j <= i; j++) h[i * p + j] += wx * x[j];
            }
            n++;
        });
        trainingLogLoss = loss / n;
        linalgRidge(h, g, w, p, l2 * n);
        const delta = solveSpd(h, g, p);
        let largest = 0;
        for (let i = 0; i < p; i++) {
            w[i] -= delta[i];
            largest = Math.max(largest, Math.abs(delta[i]));
        }
        if (largest < tolerance) break;
    }
    const scores = new GrowableFloat64();
    const truth = new GrowableFloat64();
    await forEachExample(ctx, (example, holdout) => {
        if (!holdout) return;
        design(example, mean, scale, x);
        scores.push(sigmoid(dot(w, x)));
        truth.push(example.label === positive ? 1 : 0);
    });
    const metrics = binaryMetrics(scores.view(), truth.view(), trainingLogLoss);
    if (Number.isNaN(metrics.AUC)) {
        throw new TrainingError(
            'InsufficientData',
            'The held-out rows contain only one class; AUC cannot be computed. Add more data.',
        );
    }
    return {
        ...modelBase(ctx, scanned, scale, w, trainedAt),
        algorithm: 'two-class-logistic-regression',
        classes: { positive, negative },
        metrics: { ...metrics },
    };
}
