export interface BinaryMetrics {
    'True Positive': number;
    'False Negative': number;
    'False Positive': number;
    'True Negative': number;
    Accuracy: number;
    Precision: number;
    Recall: number;
    'F-Score': number;
    AUC: number;
    'Average Log Loss': number;
    'Training Log Loss': number;
}

export interface RegressionMetrics {
    'Mean Absolute Error': number;
    'Root Mean Squared Error': number;
    'Relative Absolute Error': number;
    'Relative Squared Error': number;
    'Coefficient of Determination': number;
}

const EPS = 1e-15;

/** Held-out metrics at threshold 0.5; `labels` are 1 (positive) or 0. */
export function binaryMetrics(scores: Float64Array, labels: Float64Array, trainingLogLoss: number): BinaryMetrics {
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    let logLoss = 0;
    for (let i = 0; i < scores.length; i++) {
        const p = scores[i];
        const y = labels[i];
        if (p >= 0.5) {
            if (y === 1) tp++;
            else fp++;
        } else if (y === 1) fn++;
        else tn++;
        logLoss -= y === 1 ? Math.log(Math.max(p, EPS)) : Math.log(Math.max(1 - p, EPS));
    }
    const n = scores.length;
    const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
    const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
    return {
        'True Positive': tp,
        'False Negative': fn,
        'False Positive': fp,
        'True Negative': tn,
        Accuracy: n === 0 ? 0 : (tp + tn) / n,
        Precision: precision,
        Recall: recall,
        'F-Score': precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
        AUC: auc(scores, labels),
        'Average Log Loss': n === 0 ? 0 : logLoss / n,
        'Training Log Loss': trainingLogLoss,
    };
}

/**
 * Exact ROC AUC by ranks (Mann-Whitney U); tied scores share their average rank. NaN when the
 * held-out rows lack one of the classes.
 */
export function auc(scores: Float64Array, labels: Float64Array): number {
    const n = scores.length;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => scores[a] - scores[b]);
    let positives = 0;
    let rankSum = 0;
    for (let i = 0; i < n;) {
        let j = i;
        while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
        const averageRank = (i + j) / 2 + 1;
        for (let k = i; k <= j; k++) {
            if (labels[order[k]] === 1) {
                positives++;
                rankSum += averageRank;
            }
        }
        i = j + 1;
    }
    const negatives = n - positives;
    if (positives === 0 || negatives === 0) return NaN;
    return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function regressionMetrics(predicted: Float64Array, actual: Float64Array): RegressionMetrics {
    const n = actual.length;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += actual[i];
    mean /= n || 1;
    let abs = 0;
    let sq = 0;
    let absBase = 0;
    let sqBase = 0;
    for (let i = 0; i < n; i++) {
        const e = actual[i] - predicted[i];
        abs += Math.abs(e);
        sq += e * e;
        absBase += Math.abs(actual[i] - mean);
        sqBase += (actual[i] - mean) ** 2;
    }
    const rse = sqBase === 0 ? 0 : sq / sqBase;
    return {
        'Mean Absolute Error': n === 0 ? 0 : abs / n,
        'Root Mean Squared Error': n === 0 ? 0 : Math.sqrt(sq / n),
        'Relative Absolute Error': absBase === 0 ? 0 : abs / absBase,
        'Relative Squared Error': rse,
        'Coefficient of Determination': 1 - rse,
    };
}
