/** The columns a target trains on, in canonical order: the features as configured, then the label. */
export interface TargetColumns {
    /** Canonical order, as spelled in the config: `[...featureColumns, labelColumn]`. */
    names: string[];
    labelColumn: string;
}

/** The target's canonical column order from its config. */
export function targetColumnsOf(data: { labelColumn: string; featureColumns: readonly string[] }): TargetColumns {
    return { names: [...data.featureColumns, data.labelColumn], labelColumn: data.labelColumn };
}

/** A header name as the dialect compares it: trimmed (the parser unquotes), case-folded, NFC. */
export function foldName(name: string): string {
    return name.trim().normalize('NFC').toLowerCase();
}

export interface HeaderMatch {
    ok: true;
    /** For each canonical column, its index in the file's records. */
    indexes: number[];
    /** Header names the target does not use, as the file spells them (ignored when reading). */
    extraColumns: string[];
    /** How many fields the header has (a data record may not have more). */
    width: number;
}

export interface HeaderProblem {
    ok: false;
    /** One line for people, naming the columns. */
    message: string;
    missing: string[];
    duplicated: string[];
}

/**
 * Matches a file's header to the target's columns by folded name, in any order. Refuses a header
 * that lacks a column, or that names one column twice (which of the two to train on would be a
 * guess).
 */
export function matchHeader(header: readonly string[], columns: TargetColumns): HeaderMatch | HeaderProblem {
    const folded = header.map(foldName);
    const indexes: number[] = [];
    const missing: string[] = [];
    const duplicated: string[] = [];
    for (const name of columns.names) {
        const want = foldName(name);
        const at = folded.indexOf(want);
        if (at < 0) missing.push(name);
        else if (folded.indexOf(want, at + 1) >= 0) duplicated.push(name);
        indexes.push(at);
    }
    if (missing.length > 0 || duplicated.length > 0) {
        const parts: string[] = [];
        if (missing.length > 0) parts.push(`lacks column(s) ${missing.map((m) => `'${m}'`).join(', ')}`);
        if (duplicated.length > 0) parts.push(`names column(s) ${duplicated.map((m) => `'${m}'`).join(', ')} twice`);
        const shown = header.map((h) => h.trim()).join(', ') || '(none)';
        return { ok: false, message: `${parts.join(' and ')}; its header is: ${shown}`, missing, duplicated };
    }
    const used = new Set(indexes);
    const extraColumns = header.flatMap((h, i) => (used.has(i) || h.trim() === '' ? [] : [h.trim()]));
    return { ok: true, indexes, extraColumns, width: header.length };
}
