/** Plain-text tables and numbers for the terminal; no colours, so output pipes cleanly. */

export function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) =>
        cells
            .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
            .join('  ')
            .trimEnd();
    return [line(header), ...rows.map(line)].join('\n');
}

export function metric(value: number | undefined): string {
    if (value === undefined || !Number.isFinite(value)) return '-';
    return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

/** The headline metric of a run's metrics (canonical keys): AUC for classifiers, RMSE for regressors. */
export function headline(metrics: Record<string, number> | undefined): string {
    if (!metrics) return '-';
    if ('auc' in metrics) return `AUC ${metric(metrics.auc)}`;
    if ('rootMeanSquaredError' in metrics) return `RMSE ${metric(metrics.rootMeanSquaredError)}`;
    return '-';
}

export function truncate(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
