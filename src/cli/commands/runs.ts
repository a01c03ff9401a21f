import { parseArgs } from 'node:util';

import { lateCancelNote } from '../../retraining/lateCancel';
import { appClient, CliError, CONNECTION_OPTIONS, UsageError } from '../connection';
import { headline, table, truncate } from '../format';
import { asOwnRequest } from '../ownRequest';
import type { RunView } from '../retrainerClient';

export const runsUsage = `retrainer runs [--target T] [--limit N] [--json]
  Run history, newest first: trigger, outcome, headline metric and why.`;

export async function runs(argv: string[]): Promise<void> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            target: { type: 'string' },
            limit: { type: 'string', default: '20' },
            json: { type: 'boolean', default: false },
        },
    });
    if (positionals.length > 0) throw new CliError(`usage: ${runsUsage}`);
    // Checked here, not left to the app: Number('abc') is NaN, which the client dropped, so a
    // mistyped --limit listed the default 20 runs as if nothing were wrong.
    const limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1 || limit > 500)
        throw new UsageError(`--limit must be a whole number from 1 to 500, not '${values.limit}'.`);
    const client = appClient(values);
    const list = await asOwnRequest(client, 'GET /runs', values.target, () =>
        client.listRuns({ target: values.target, limit }),
    );
    if (values.json) {
        console.log(JSON.stringify(list, null, 2));
        return;
    }
    console.log(runsText(list));
}

/**
 * The run history as `retrainer runs` prints it (`list` newest first, as `GET /api/runs` answers):
 * a table, then what is too long for it and still news: the refused files that still stand, and
 * cancel requests that reached their run too late to stop it.
 */
export function runsText(list: readonly RunView[]): string {
    if (list.length === 0) return 'No runs yet.';
    const rows = list.map((r) => [
        r.runId,
        r.target,
        r.trigger.kind,
        r.state,
        headline(r.verdict?.metrics),
        truncate(r.reason ?? r.verdict?.reasons.join('; ') ?? '', 70),
    ]);
    const parts = [table(['RUN', 'TARGET', 'TRIGGER', 'STATE', 'METRIC', 'WHY'], rows)];
    // A refused file's reason (file, line, column) is too long for the table, and it is news.
    const refused = standingRefusals(list);
    if (refused.length > 0)
        parts.push(`Refused files (never trained):\n${refused.map((f) => `  ${f.reason}`).join('\n')}`);
    // The run's own state and reason say how it ended; that someone asked it to stop is news too.
    const late = list.flatMap((r) => {
        const note = lateCancelNote(r.cancellation);
        return note ? [`  run ${r.runId} (${r.target}): ${note}`] : [];
    });
    if (late.length > 0) parts.push(`Cancel requests that came too late:\n${late.join('\n')}`);
    return parts.join('\n\n');
}

/** A refused file a listing of runs still has to show. */
export interface StandingRefusal {
    target: string;
    name: string;
    /** The newest refusal's one line (file, line, column). */
    reason: string;
}

/**
 * The refusals among `runs` (newest first, as `GET /api/runs` answers) that still stand. Per target
 * and blob name, the newest run whose manifest names the blob decides: a refusal stands only if
 * that run refused it too. A later run that trained the name (a fixed file uploaded under it), or
 * left out or refused another version of it (another ETag), makes older refusals history. So does a
 * later run that listed all of the target's data (not an HTTP start naming its blobs) without
 * naming the blob: the file is gone. `status` needs none of this: it shows the intake cache, which
 * holds only each blob's current version.
 */
export function standingRefusals(runs: readonly RunView[]): StandingRefusal[] {
    const out: StandingRefusal[] = [];
    const decided = new Set<string>();
    // Targets with a run newer than the one being read that listed all of their data: a blob such a
    // run did not name (it would be decided already) is gone.
    const listedAll = new Set<string>();
    for (const r of runs) {
        const m = r.manifest;
        if (!m) continue;
        const key = (name: string) => `${r.target}\u0000${name}`;
        for (const f of m.rejected ?? []) {
            if (decided.has(key(f.name))) continue;
            decided.add(key(f.name));
            if (!listedAll.has(r.target)) out.push({ target: r.target, name: f.name, reason: f.reason });
        }
        for (const f of [...m.blobs, ...(m.leftOut ?? [])]) decided.add(key(f.name));
        if (!r.trigger.blobNames) listedAll.add(r.target);
    }
    return out;
}
