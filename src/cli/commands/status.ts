import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { metric } from '../format';
import type { TargetView } from '../retrainerClient';

export const statusUsage = `retrainer status [target] [--json]
  Each target's champion (model, metrics, lineage) and the step of any run in flight.`;

export async function status(argv: string[]): Promise<void> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, json: { type: 'boolean', default: false } },
    });
    if (positionals.length > 1) throw new CliError(`usage: ${statusUsage}`);
    const client = appClient(values);
    const views = positionals[0] ? [await client.getTarget(positionals[0])] : await client.listTargets();
    if (values.json) {
        console.log(JSON.stringify(positionals[0] ? views[0] : views, null, 2));
        return;
    }
    console.log(views.map(describeTarget).join('\n\n'));
}

function describeTarget(t: TargetView): string {
    const lines = [`${t.name} (${t.update} endpoint; data ${t.data.container}/${t.data.prefixPattern})`];
    const c = t.champion;
    if (!c) lines.push('  champion:  none yet');
    else {
        lines.push(`  champion:  run ${c.runId}, promoted ${c.promotedAt}`);
        lines.push(`  model:     ${c.model.relativeLocation}`);
        // Confusion-matrix counts are noise in a one-line summary; rates and errors are not.
        const shown = Object.entries(c.metrics).filter(([k]) => !/^(true|false)(Positives|Negatives)$/.test(k));
        lines.push(`  metrics:   ${shown.map(([k, v]) => `${k} ${metric(v)}`).join(', ')}`);
        lines.push(`  lineage:   ${c.lineage.join(' -> ')}`);
    }
    for (const r of t.refused ?? []) lines.push(`  refused:   ${r.reason}`);
    const live = t.inFlight;
    if (!live) lines.push('  in flight: nothing');
    else {
        const since =
            (live.step?.since ? ` since ${live.step.since}` : '') +
            (live.step?.until ? ` until ${live.step.until} (then the timeout policy decides)` : '');
        lines.push(`  in flight: ${live.instanceId} ${live.status}, step ${live.step?.step ?? '-'}${since}`);
    }
    const missed = t.missedEvents;
    if (missed) {
        const n = (v: number | null): string => (v === null ? 'unknown' : String(v));
        lines.push(
            `  missed:    ${n(missed.deadLetteredEvents)} dead-lettered event(s), ${n(missed.poisonMessages)} poison message(s) (app-wide, checked ${missed.checkedAt})`,
        );
        for (const p of missed.problems ?? []) lines.push(`             ${p}`);
    } else if (missed === null) lines.push("  missed:    not counted yet (the timer's catch-up pass counts them)");
    return lines.join('\n');
}
