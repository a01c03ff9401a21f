import type { Readable } from 'node:stream';

import { classificationCsv, regressionCsv } from './datasets';

export const SAMPLE_TARGETS = ['churn', 'houses'] as const;
export type SampleTarget = (typeof SAMPLE_TARGETS)[number];

export const SAMPLE_VARIANTS = ['baseline', 'drifted', 'degraded'] as const;
export type SampleVariant = (typeof SAMPLE_VARIANTS)[number];

export interface SampleScenario {
    rows: number;
    /** What the batch stands for, and what a retrain on it should do to the sample config's champion. */
    story: string;
    generate(rows: number): Readable;
}

/**
 * The demo's three batches per target, with fixed seeds so every machine sees the same numbers.
 * A retrain trains on every file under the target's prefix, so each batch is judged merged with
 * the ones before it: the baseline is a small, noisily labelled launch sample (a modest first
 * champion); the drifted batch is a larger, clean batch from after customer behaviour moved, which
 * lifts the merged model past the champion; the degraded batch has mostly random labels and drags
 * the merged model below the gate, so its retrain is rejected.
 */
const SCENARIOS: Record<SampleTarget, Record<SampleVariant, SampleScenario>> = {
    churn: {
        baseline: {
            rows: 2000,
            story: 'launch sample, 30% of labels unreliable: the first champion (AUC about 0.74)',
            generate: (rows) => classificationCsv({ rows, seed: 101, labelNoise: 0.3 }),
        },
        drifted: {
            rows: 10000,
            story: 'after behaviour shifted toward support calls, clean labels: the retrain wins (AUC about 0.77)',
            generate: (rows) => classificationCsv({ rows, seed: 202, drift: 1 }),
        },
        degraded: {
            rows: 5000,
            story: '90% random labels: the merged model loses more AUC against the champion than the gate allows, and is rejected',
            generate: (rows) => classificationCsv({ rows, seed: 303, labelNoise: 0.9 }),
        },
    },
    houses: {
        baseline: {
            rows: 3000,
            story: 'first listings, noisy prices: the first champion (RMSE about 41)',
            generate: (rows) => regressionCsv({ rows, seed: 11, noise: 40 }),
        },
        drifted: {
            rows: 10000,
            story: 'after the market moved (size and distance matter more): the retrain wins (RMSE about 40)',
            generate: (rows) => regressionCsv({ rows, seed: 12, drift: 1 }),
        },
        degraded: {
            rows: 5000,
            story: 'prices mistyped by hundreds of thousands: the retrain is rejected',
            generate: (rows) => regressionCsv({ rows, seed: 13, noise: 400 }),
        },
    },
};

export function isSampleTarget(name: string): name is SampleTarget {
    return (SAMPLE_TARGETS as readonly string[]).includes(name);
}

export function isSampleVariant(name: string): name is SampleVariant {
    return (SAMPLE_VARIANTS as readonly string[]).includes(name);
}

export function sampleScenario(target: SampleTarget, variant: SampleVariant): SampleScenario {
    return SCENARIOS[target][variant];
}
