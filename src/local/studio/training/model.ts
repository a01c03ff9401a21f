import { createHash } from 'node:crypto';

import { Algorithm, TrainingError } from './types';

export const ILEARNER_FORMAT = 'RETRAINER-ILEARNER';
export const ILEARNER_VERSION = 1;

/** A trained model: linear weights over standardised features, plus what it was trained on. */
export interface TrainedModel {
    algorithm: Algorithm;
    labelColumn: string;
    featureColumns: string[];
    /** Per-feature mean and standard deviation used to standardise inputs. */
    mean: number[];
    scale: number[];
    intercept: number;
    weights: number[];
    /** Classifier only: the label texts for score >= 0.5 and < 0.5. */
    classes?: { positive: string; negative: string };
    hyperparameters: Record<string, number>;
    trainingRows: number;
    holdoutRows: number;
    metrics: Record<string, number>;
    trainedAt: string;
}

/** The linear score: log-odds for the classifier, the prediction for regression. */
export function linearScore(model: TrainedModel, features: ArrayLike<number>): number {
    let z = model.intercept;
    for (let j = 0; j < model.weights.length; j++) {
        z += model.weights[j] * ((features[j] - model.mean[j]) / model.scale[j]);
    }
    return z;
}

export function sigmoid(z: number): number {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * `.ilearner` bytes: a header line naming format, version and body encoding, then the model as
 * JSON carrying a SHA-256 of its own content, so truncation or tampering is detected on load.
 */
export function serializeModel(model: TrainedModel): Buffer {
    const body = JSON.stringify(model);
    const sha256 = createHash('sha256').update(body).digest('hex');
    return Buffer.from(`${ILEARNER_FORMAT}/${ILEARNER_VERSION} json sha256=${sha256}\n${body}\n`, 'utf8');
}

export function parseIlearner(bytes: Buffer): TrainedModel {
    const text = bytes.toString('utf8');
    const newline = text.indexOf('\n');
    const header = newline < 0 ? text.slice(0, 80) : text.slice(0, newline);
    const m = /^([A-Z-]+)\/(\d+) json sha256=([0-9a-f]{64})$/.exec(header);
    if (!m || m[1] !== ILEARNER_FORMAT) {
        throw new TrainingError(
            'InvalidModel',
            `Not a ${ILEARNER_FORMAT} model: the header is '${header.slice(0, 60)}'.`,
        );
    }
    if (Number(m[2]) !== ILEARNER_VERSION) {
        throw new TrainingError(
            'InvalidModel',
            `Unsupported model version ${m[2]}; this service reads version ${ILEARNER_VERSION}.`,
        );
    }
    const body = text.slice(newline + 1).replace(/\n$/, '');
    if (createHash('sha256').update(body).digest('hex') !== m[3]) {
        throw new TrainingError('InvalidModel', 'The model is corrupt: its content does not match its checksum.');
    }
    let model: TrainedModel;
    try {
        model = JSON.parse(body) as TrainedModel;
    } catch {
        throw new TrainingError('InvalidModel', 'The model is corrupt: its body is not JSON.');
    }
    const ok =
        Array.isArray(model.featureColumns) &&
        Array.isArray(model.weights) &&
        model.weights.length === model.featureColumns.length &&
        model.mean?.length === model.weights.length &&
        model.scale?.length === model.weights.length &&
        Number.isFinite(model.intercept);
    if (!ok) throw new TrainingError('InvalidModel', 'The model is incomplete: weights and features do not match.');
    return model;
}
