import type { TargetColumns } from './header';

/**
 * RFC 4180 quoting, only where needed: a field holding a separator, a quote, a line end, or blanks
 * at its ends is quoted, inner quotes doubled. Numbers never need it.
 */
export function quoteField(value: string): string {
    return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A record of the canonical CSV, without its line end (`\n`). */
export function canonicalLine(values: readonly string[]): string {
    return values.map(quoteField).join(',');
}

/**
 * The canonical CSV's header: the target's columns in its order, spelled as in the config. What
 * BES receives always starts with it, whatever the files' headers looked like.
 */
export function canonicalHeader(columns: TargetColumns): string {
    return canonicalLine(columns.names);
}
