import type { TargetConfig } from './config';
import { parseCsv } from './csv';

/**
 * Can this file be training data for the target? Checked when it lands, so a bad file is
 * refused with its reason and starts no run (the full parse happens in the training job). The CLI
 * runs the same check before uploading.
 */
export function validateUpload(
    target: { data: Pick<TargetConfig['data'], 'labelColumn' | 'featureColumns'> },
    blobName: string,
    head: Buffer,
): string | undefined {
    if (!/\.csv$/i.test(blobName)) return `'${blobName}' is not a .csv file`;
    if (head.length === 0) return `'${blobName}' is empty`;
    if (head.includes(0)) return `'${blobName}' is binary, not CSV text`;
    const text = head.toString('utf8').replace(/^\uFEFF/, '');
    const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
    const header = (parseCsv(firstLine)[0] ?? []).map((h) => h.trim().toLowerCase());
    const wanted = [target.data.labelColumn, ...target.data.featureColumns];
    const missing = wanted.filter((c) => !header.includes(c.toLowerCase()));
    if (missing.length > 0) {
        return `'${blobName}' lacks column(s) ${missing.map((m) => `'${m}'`).join(', ')}; its header is: ${header.join(', ') || '(none)'}`;
    }
    if (!/\r?\n\s*\S/.test(text)) return `'${blobName}' has a header but no data rows`;
    return undefined;
}
