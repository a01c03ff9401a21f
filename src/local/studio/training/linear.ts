import { GrowableFloat64 } from './growable';
import { linalgRidge, solveSpd } from './linalg';
import { regressionMetrics } from './metrics';
import { TrainedModel } from './model';
import { PassContext, design, dot, forEachExample, labelNumber, modelBase, scan } from './passes';

/**
 * Linear regression (ridge) from the normal equations: one pass accumulates XᵀX and Xᵀy over the
 * standardised training rows, a Cholesky solve gives the weights, another pass evaluates.
 */
export async function trainLinear(ctx: PassContext, trainedAt: string): Promise<TrainedModel> {
    const scanned = await scan(ctx, true);
    const { stats } = scanned;
    const label = ctx.experiment.labelColumn;
    const mean = stats.mean;
    const scale = stats.scale();
    const p = mean.length + 1;
    const x = new Float64Array(p);
    const gram = new Float64Array(p * p);
    const xty = new Float64Array(p);
    let n = 0;
    await forEachExample(ctx, (example, holdout) => {
        if (holdout) return;
        design(example, mean, scale, x);
        const y = labelNumber(example, label);
        for (let i = 0; i < p; i++) {
            xty[i] += x[i] * y;
            for (let j = 0; j <= i; j++) gram[i * p + j] += x[i] * x[j];
        }
        n++;
    });
    linalgRidge(gram, null, null, p, (ctx.hyperparameters.l2 ?? 0) * n);
    const w = solveSpd(gram, xty, p);
    const predicted = new GrowableFloat64();
    const actual = new GrowableFloat64();
    await forEachExample(ctx, (example, holdout) => {
        if (!holdout) return;
        design(example, mean, scale, x);
        predicted.push(dot(w, x));
        actual.push(labelNumber(example, label));
    });
    return {
        ...modelBase(ctx, scanned, scale, w, trainedAt),
        algorithm: 'linear-regression',
        metrics: { ...regressionMetrics(predicted.view(), actual.view()) },
    };
}
