import { Example } from './dataset';

/** Welford running mean/variance per feature over the training rows. */
export class FeatureStats {
    count = 0;
    readonly mean: Float64Array;
    private readonly m2: Float64Array;

    constructor(readonly width: number) {
        this.mean = new Float64Array(width);
        this.m2 = new Float64Array(width);
    }

    add(example: Example): void {
        this.count++;
        for (let j = 0; j < this.width; j++) {
            const x = example.features[j];
            const delta = x - this.mean[j];
            this.mean[j] += delta / this.count;
            this.m2[j] += delta * (x - this.mean[j]);
        }
    }

    /** Standard deviations; a constant feature gets 1 so it scales to 0 rather than NaN. */
    scale(): Float64Array {
        const s = new Float64Array(this.width);
        for (let j = 0; j < this.width; j++) {
            const sd = this.count > 1 ? Math.sqrt(this.m2[j] / (this.count - 1)) : 0;
            s[j] = sd > 1e-12 ? sd : 1;
        }
        return s;
    }
}
