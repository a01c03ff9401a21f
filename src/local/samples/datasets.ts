import { Readable } from 'node:stream';

import { normal, seededRandom } from './random';

export interface ClassificationOptions {
    rows: number;
    seed?: number;
    /** 0 = the original relationship; 1 = the coefficients have moved a lot (customer behaviour changed). */
    drift?: number;
    /** Fraction of labels replaced by coin flips: a degraded, noisy batch. */
    labelNoise?: number;
    /** Labels drawn independently of the features: nothing to learn (AUC ~ 0.5). */
    shuffleLabels?: boolean;
}

export const CHURN_COLUMNS = ['tenure', 'monthly_charges', 'support_calls', 'contract_months', 'churned'] as const;
export const HOUSE_COLUMNS = ['sqft', 'bedrooms', 'age', 'distance_km', 'price'] as const;

const ROWS_PER_CHUNK = 2000;

/**
 * Customer churn: short tenure, high charges and many support calls raise churn; long contracts
 * lower it. With drift the weight moves from tenure to support calls.
 */
export function classificationCsv(options: ClassificationOptions): Readable {
    const random = seededRandom(options.seed ?? 1);
    const gauss = normal(random);
    const drift = options.drift ?? 0;
    const noise = options.labelNoise ?? 0;
    const labelRandom = seededRandom((options.seed ?? 1) ^ 0x5bd1e995);
    return chunked(CHURN_COLUMNS, options.rows, () => {
        const tenure = Math.floor(random() * 72);
        const charges = 20 + random() * 100;
        const calls = Math.min(12, Math.floor(-Math.log(Math.max(random(), 1e-9)) * 1.5));
        const contract = [1, 12, 24][Math.floor(random() * 3)];
        const z =
            0.4 -
            (0.06 - 0.04 * drift) * tenure +
            0.02 * (charges - 70) +
            (0.35 + 0.5 * drift) * calls -
            0.05 * contract +
            0.3 * gauss();
        let churned = random() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
        if (options.shuffleLabels) churned = labelRandom() < 0.4 ? 1 : 0;
        else if (noise > 0 && labelRandom() < noise) churned = labelRandom() < 0.5 ? 1 : 0;
        return [tenure, charges.toFixed(2), calls, contract, churned];
    });
}

export interface RegressionOptions {
    rows: number;
    seed?: number;
    drift?: number;
    /** Standard deviation of the price noise, in thousands. */
    noise?: number;
}

/** House prices (in thousands): linear in size, bedrooms, age and distance, plus noise. */
export function regressionCsv(options: RegressionOptions): Readable {
    const random = seededRandom(options.seed ?? 2);
    const gauss = normal(random);
    const drift = options.drift ?? 0;
    const noise = options.noise ?? 15;
    return chunked(HOUSE_COLUMNS, options.rows, () => {
        const sqft = Math.round(500 + random() * 3000);
        const bedrooms = 1 + Math.floor(random() * 5);
        const age = Math.floor(random() * 80);
        const distance = random() * 40;
        const price =
            50 +
            (0.15 + 0.05 * drift) * sqft +
            10 * bedrooms -
            0.8 * age -
            (3 + 2 * drift) * distance +
            noise * gauss();
        return [sqft, bedrooms, age, distance.toFixed(2), price.toFixed(1)];
    });
}

/** A header, then rows produced lazily in chunks: a million rows never sit in memory. */
function chunked(header: readonly string[], rows: number, row: () => (string | number)[]): Readable {
    function* lines(): Generator<string> {
        yield `${header.join(',')}\n`;
        for (let done = 0; done < rows;) {
            const n = Math.min(ROWS_PER_CHUNK, rows - done);
            let text = '';
            for (let i = 0; i < n; i++) text += `${row().join(',')}\n`;
            done += n;
            yield text;
        }
    }
    return Readable.from(lines(), { objectMode: false });
}

/** Collects a generated stream into a string (small data sets in tests). */
export async function toText(stream: Readable): Promise<string> {
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return text;
}
