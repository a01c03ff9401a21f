/**
 * Azure Table string properties hold at most 32K characters (64 KiB UTF-16); entities up to 1 MiB.
 * Long JSON (activity results, inputs) is split over `Key`, `Key_1`, `Key_2`… and joined back.
 */
const CHUNK = 30000;

export function putChunked(row: Record<string, unknown>, key: string, text: string): void {
    row[key] = text.slice(0, CHUNK);
    for (let i = 1; i * CHUNK < text.length; i++) row[`${key}_${i}`] = text.slice(i * CHUNK, (i + 1) * CHUNK);
}

export function getChunked(row: Record<string, unknown>, key: string): string {
    let out = typeof row[key] === 'string' ? row[key] : '';
    for (let i = 1; typeof row[`${key}_${i}`] === 'string'; i++) out += row[`${key}_${i}`] as string;
    return out;
}
