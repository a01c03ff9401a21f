import type { ManifestSnapshot, RunTrigger } from './contracts';

/**
 * A Skipped run's one-line reason, naming refused files: when the file whose upload started the
 * run was refused, its reason (file, line, column) leads, so its author reads why first in `runs`.
 */
export function skipReason(why: string, manifest: ManifestSnapshot, trigger: RunTrigger): string {
    return withLeftOut(refusedNote(why, manifest, trigger), manifest);
}

/** Files the data policy or state left out are named by count and kind (the record lists each). */
function withLeftOut(reason: string, manifest: ManifestSnapshot): string {
    const left = manifest.leftOut ?? [];
    if (left.length === 0) return reason;
    const kinds = (['excluded', 'quarantined', 'window'] as const).flatMap((k) => {
        const n = left.filter((l) => l.why === k).length;
        return n === 0 ? [] : [`${n} ${k === 'window' ? 'outside the window' : k}`];
    });
    return `${reason} (left out by the data policy: ${kinds.join(', ')}; \`retrainer data list\` shows them)`;
}

function refusedNote(why: string, manifest: ManifestSnapshot, trigger: RunTrigger): string {
    const refused = manifest.rejected ?? [];
    if (refused.length === 0) return why;
    const mine = trigger.kind === 'blob' ? refused.find((r) => r.name === trigger.blobName) : undefined;
    const others = refused.length - (mine ? 1 : 0);
    const tail = others > 0 ? ` (${others} ${mine ? 'other ' : ''}refused file${others > 1 ? 's' : ''} left out)` : '';
    return mine ? `${mine.reason}. Nothing else to train: ${lower(why)}${tail}` : `${why}${tail}`;
}

function lower(text: string): string {
    return text.charAt(0).toLowerCase() + text.slice(1);
}
