import { parseArgs } from 'node:util';

import { metricLabel } from '../../retraining/metricNames';
import { unverifiedModelNote } from '../../retraining/unverifiedModel';
import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { metric } from '../format';
import { asOwnRequest } from '../ownRequest';
import type { TargetView } from '../retrainerClient';
import { describePolicy } from './data';

export const statusUsage = `retrainer status [target] [--json]
  Each target's champion (model, metrics, lineage), its data policy and the files it leaves out,
  and the step of any run in flight.`;

export async function status(argv: string[]): Promise<void> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: { ...CONNECTION_OPTIONS, json: { type: 'boolean', default: false } },
    });
    if (positionals.length > 1) throw new CliError(`usage: ${statusUsage}`);
    const client = appClient(values);
    const wanted = positionals[0];
    const views = await asOwnRequest(client, wanted ? `GET /targets/${wanted}` : 'GET /targets', wanted, async () =>
        wanted ? [await client.getTarget(wanted)] : client.listTargets(),
    );
    if (values.json) {
        console.log(JSON.stringify(wanted ? views[0] : views, null, 2));
        return;
    }
    console.log(views.map(describeTarget).join('\n\n'));
}

/** The app setting naming the Event Grid dead-letter container (src/functions/shared/catchUp.ts). */
const DEADLETTER_SETTING = 'RETRAINER_DEADLETTER_CONTAINER';

/**
 * Metrics on one line. Confusion-matrix counts are noise in a summary; rates and errors are not.
 * The gate's metrics come first, named as the config names them (`named`: canonical key -> name).
 */
function metricsText(metrics: Record<string, number>, named: Record<string, string> = {}): string {
    const shown = Object.entries(metrics)
        .filter(([k]) => !/^(true|false)(Positives|Negatives)$/.test(k))
        .sort(([a], [b]) => Number(b in named) - Number(a in named));
    return shown.map(([k, v]) => `${metricLabel(k, named)} ${metric(v)}`).join(', ');
}

/** One target as `retrainer status` prints it (a block of `  label:  value` lines). */
export function describeTarget(t: TargetView): string {
    const lines = [`${t.name} (${t.update} endpoint; data ${t.data.container}/${t.data.prefixPattern})`];
    const c = t.champion;
    if (!c) lines.push('  champion:  none yet');
    else {
        lines.push(`  champion:  run ${c.runId}, promoted ${c.promotedAt}`);
        lines.push(`  model:     ${c.model.relativeLocation}`);
        lines.push(`  metrics:   ${metricsText(c.metrics, t.metricNames)}`);
        lines.push(`  lineage:   ${c.lineage.join(' -> ')}`);
    }
    const u = t.unverifiedModel;
    if (u) lines.push(`  WARNING:   ${unverifiedModelNote(u)}`);
    if (t.dataPolicy) {
        const n = t.dataFiles;
        const left = n ? `; ${n.excluded} file(s) excluded, ${n.quarantined} quarantined` : '';
        const see = n && n.excluded + n.quarantined > 0 ? ` (see \`retrainer data list ${t.name}\`)` : '';
        lines.push(`  data:      ${describePolicy(t.dataPolicy)}${left}${see}`);
    }
    for (const r of t.refused ?? []) lines.push(`  refused:   ${r.reason}`);
    const live = t.inFlight;
    if (!live) lines.push('  in flight: nothing');
    else {
        const since =
            (live.step?.since ? ` since ${live.step.since}` : '') +
            (live.step?.until ? ` until ${live.step.until} (then the timeout policy decides)` : '');
        const run = live.step?.runId ? `, run ${live.step.runId}` : '';
        lines.push(`  in flight: ${live.instanceId} ${live.status}${run}, step ${live.step?.step ?? '-'}${since}`);
        // What an approver decides on: the waiting run's metrics beside the champion's.
        const judged = live.step?.judged;
        if (judged) {
            const against = judged.champion
                ? `champion run ${judged.champion.runId}: ${metricsText(judged.champion.metrics, t.metricNames)}`
                : 'no champion yet';
            lines.push(`  judged:    ${metricsText(judged.metrics, t.metricNames)} (${against})`);
        }
    }
    const missed = t.missedEvents;
    if (missed) {
        const n = (v: number | null): string => (v === null ? 'unknown' : String(v));
        // No dead-letter container configured: nothing is counted, so "unknown" would imply a miss.
        const unset = `${DEADLETTER_SETTING} is not set`;
        const unwatched =
            missed.deadLetterContainer === null ||
            (missed.deadLetterContainer === undefined && (missed.problems ?? []).includes(unset));
        const counts = unwatched
            ? `${n(missed.poisonMessages)} poison message(s) (app-wide, checked ${missed.checkedAt}); dead-lettered events are not watched (set ${DEADLETTER_SETTING} to count them)`
            : `${n(missed.deadLetteredEvents)} dead-lettered event(s), ${n(missed.poisonMessages)} poison message(s) (app-wide, checked ${missed.checkedAt})`;
        lines.push(`  missed:    ${counts}`);
        for (const p of missed.problems ?? []) if (!(unwatched && p === unset)) lines.push(`             ${p}`);
    } else if (missed === null) lines.push("  missed:    not counted yet (the timer's catch-up pass counts them)");
    return lines.join('\n');
}
