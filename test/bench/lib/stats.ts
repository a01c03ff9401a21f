/** A repeated measurement: the median and the spread, so noise on a shared machine is visible. */
export interface Summary {
    n: number;
    median: number;
    min: number;
    max: number;
    /** (max - min) / median, in percent. */
    spreadPct: number;
}

export function summarize(samples: number[]): Summary {
    if (samples.length === 0) throw new Error('no samples to summarize');
    const sorted = [...samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    const min = sorted[0];
    const max = sorted[sorted.length - 1];
    return { n: sorted.length, median, min, max, spreadPct: median === 0 ? 0 : ((max - min) / median) * 100 };
}

/** "1.23 (1.10–1.40)": the median with the range of the repeats. */
export function fmt(s: Summary, digits = 2): string {
    return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}
