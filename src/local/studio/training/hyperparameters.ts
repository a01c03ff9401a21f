import { Algorithm, ExperimentDefinition, TrainingError } from './types';

const DEFAULTS: Record<Algorithm, Record<string, number>> = {
    'two-class-logistic-regression': { l2: 0.001, maxIterations: 10, tolerance: 1e-7, holdoutFraction: 0.25, seed: 42 },
    'linear-regression': { l2: 1e-6, holdoutFraction: 0.25, seed: 42 },
};

const RANGES: Record<string, { min: number; max: number; integer?: boolean }> = {
    l2: { min: 0, max: 1e6 },
    maxIterations: { min: 1, max: 100, integer: true },
    tolerance: { min: 0, max: 1 },
    holdoutFraction: { min: 0.05, max: 0.9 },
    seed: { min: 0, max: 2 ** 31 - 1, integer: true },
};

export const ALGORITHMS = Object.keys(DEFAULTS) as Algorithm[];

export function validateExperiment(experiment: ExperimentDefinition): void {
    const problems: string[] = [];
    if (!ALGORITHMS.includes(experiment.algorithm)) {
        problems.push(`algorithm '${String(experiment.algorithm)}' is not one of ${ALGORITHMS.join(', ')}`);
    }
    if (!experiment.labelColumn?.trim()) problems.push('labelColumn is empty');
    if (!Array.isArray(experiment.featureColumns) || experiment.featureColumns.length === 0) {
        problems.push('featureColumns is empty');
    } else {
        const seen = new Set<string>();
        for (const f of experiment.featureColumns) {
            if (!f.trim()) problems.push('a feature column name is empty');
            if (seen.has(f.toLowerCase())) problems.push(`feature column '${f}' is listed twice`);
            seen.add(f.toLowerCase());
            if (f.toLowerCase() === experiment.labelColumn?.toLowerCase()) {
                problems.push(`'${f}' is both the label and a feature`);
            }
        }
    }
    if (problems.length === 0 && ALGORITHMS.includes(experiment.algorithm)) {
        for (const [name, value] of Object.entries(experiment.hyperparameters ?? {})) {
            const p = checkParameter(experiment.algorithm, name, value);
            if (p) problems.push(p);
        }
    }
    if (problems.length > 0) {
        throw new TrainingError('InvalidExperiment', `Invalid training experiment: ${problems.join('; ')}.`);
    }
}

/**
 * The experiment's hyperparameters with BES GlobalParameters applied. Names match
 * case-insensitively; an unknown name or a value out of range is refused, naming it, rather than
 * silently training something the caller did not ask for.
 */
export function resolveHyperparameters(
    experiment: ExperimentDefinition,
    globalParameters: Record<string, string>,
): Record<string, number> {
    const resolved = { ...DEFAULTS[experiment.algorithm], ...(experiment.hyperparameters ?? {}) };
    const problems: string[] = [];
    for (const [rawName, rawValue] of Object.entries(globalParameters)) {
        const name = Object.keys(resolved).find((k) => k.toLowerCase() === rawName.toLowerCase());
        if (!name) {
            problems.push(
                `'${rawName}' is not a parameter of this experiment (known: ${Object.keys(resolved).join(', ')})`,
            );
            continue;
        }
        const value = Number(String(rawValue).trim());
        const p =
            String(rawValue).trim() === ''
                ? `'${rawName}' is empty`
                : checkParameter(experiment.algorithm, name, value);
        if (p) problems.push(p);
        else resolved[name] = value;
    }
    if (problems.length > 0) {
        throw new TrainingError('InvalidGlobalParameter', `Invalid global parameter: ${problems.join('; ')}.`);
    }
    return resolved;
}

function checkParameter(algorithm: Algorithm, name: string, value: number): string | undefined {
    if (!(name in DEFAULTS[algorithm])) return `'${name}' is not a parameter of ${algorithm}`;
    const range = RANGES[name];
    if (!Number.isFinite(value)) return `'${name}' must be a number`;
    if (value < range.min || value > range.max) return `'${name}' must be between ${range.min} and ${range.max}`;
    if (range.integer && !Number.isInteger(value)) return `'${name}' must be an integer`;
    return undefined;
}
