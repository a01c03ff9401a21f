import type { Example } from './dataset';

/**
 * Bytes of parsed rows the trainer may keep in memory (8 per feature and per label): 1M rows of 20
 * features fit. Past it the cache is dropped and every pass streams, so memory stays bounded by
 * this budget whatever the file size.
 */
export const DEFAULT_CACHE_BUDGET_BYTES = 180 * 1024 * 1024;

const BLOCK_ROWS = 16_384;

/**
 * The parsed training table, filled during the first (validating) pass when it fits the budget.
 * Later passes (one per Newton iteration, then evaluation) read it instead of re-parsing the CSV,
 * which is most of a pass's cost; they see the same rows in the same order with the same values,
 * so the model is identical either way. Storage is fixed-size blocks, so growing never copies.
 */
export class ExampleCache {
    private features: Float64Array[] = [];
    private labels: Float64Array[] = [];
    private readonly labelTexts: string[] = [];
    private readonly labelCodes = new Map<string, number>();
    private rows = 0;
    private bytes = 0;
    private state: 'filling' | 'complete' | 'dropped';

    constructor(
        private readonly width: number,
        /** Regression: keep the label's number; classification: keep its text (by code). */
        private readonly numericLabel: boolean,
        private readonly budgetBytes: number,
    ) {
        this.state = budgetBytes > 0 ? 'filling' : 'dropped';
    }

    /** Call in row order during the first pass, after the row was validated. */
    add(example: Example): void {
        if (this.state !== 'filling') return;
        const at = this.rows % BLOCK_ROWS;
        if (at === 0) {
            this.bytes += BLOCK_ROWS * (this.width + 1) * 8;
            if (this.bytes > this.budgetBytes) return this.drop();
            this.features.push(new Float64Array(BLOCK_ROWS * this.width));
            this.labels.push(new Float64Array(BLOCK_ROWS));
        }
        const block = this.features.length - 1;
        this.features[block].set(example.features, at * this.width);
        this.labels[block][at] = this.numericLabel ? Number(example.label) : this.code(example.label);
        this.rows++;
    }

    /** The first pass read the whole input: later passes may use the cache. */
    finish(): void {
        if (this.state === 'filling') this.state = 'complete';
    }

    drop(): void {
        this.state = 'dropped';
        this.features = [];
        this.labels = [];
    }

    get usable(): boolean {
        return this.state === 'complete';
    }

    /**
     * Visits every cached row in order with one reused Example (the visitor must not keep it),
     * checking `aborted` once per block as a streamed pass checks once per chunk.
     */
    forEach(visit: (example: Example) => void, aborted: () => boolean): void {
        const example: Example & { value?: number } = {
            index: 0,
            line: 0,
            features: new Float64Array(0),
            label: '',
        };
        for (let b = 0; b < this.features.length; b++) {
            if (aborted()) return;
            const count = Math.min(BLOCK_ROWS, this.rows - b * BLOCK_ROWS);
            for (let i = 0; i < count; i++) {
                example.index = b * BLOCK_ROWS + i;
                example.features = this.features[b].subarray(i * this.width, (i + 1) * this.width);
                const label = this.labels[b][i];
                if (this.numericLabel) {
                    example.value = label;
                    example.label = '';
                } else {
                    example.label = this.labelTexts[label];
                }
                visit(example);
            }
        }
    }

    private code(label: string): number {
        let c = this.labelCodes.get(label);
        if (c === undefined) {
            c = this.labelTexts.length;
            this.labelTexts.push(label);
            this.labelCodes.set(label, c);
        }
        return c;
    }
}
