/**
 * Minimal RFC 4180 reader for small CSVs (evaluation outputs, sample headers): quoted fields,
 * doubled quotes, CRLF or LF. Not for large data: it holds everything in memory.
 */
export function parseCsv(text: string): string[][] {
    return parseCsvLines(text).map((r) => r.cells);
}

/**
 * {@link parseCsv} with the file line (1-based, header = line 1, blank lines counted) each record
 * starts on, so a message about a record names the line an editor shows, as intake does.
 */
export function parseCsvLines(text: string): { line: number; cells: string[] }[] {
    const rows: { line: number; cells: string[] }[] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    let line = 1;
    let start = 1;
    const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    for (let i = 0; i < src.length; i++) {
        const c = src[i];
        if (quoted) {
            if (c === '"' && src[i + 1] === '"') {
                field += '"';
                i++;
            } else if (c === '"') quoted = false;
            else {
                // A quoted line break is still a line of the file.
                if (c === '\n' || (c === '\r' && src[i + 1] !== '\n')) line++;
                field += c;
            }
        } else if (c === '"') quoted = true;
        else if (c === ',') {
            row.push(field);
            field = '';
        } else if (c === '\n' || c === '\r') {
            if (c === '\r' && src[i + 1] === '\n') i++;
            row.push(field);
            rows.push({ line: start, cells: row });
            row = [];
            field = '';
            start = ++line;
        } else field += c;
    }
    if (field.length > 0 || row.length > 0) {
        row.push(field);
        rows.push({ line: start, cells: row });
    }
    return rows.filter((r) => r.cells.some((f) => f.trim().length > 0));
}
