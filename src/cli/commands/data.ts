import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { table, truncate } from '../format';
import type { DataFileView, DataListView } from '../retrainerClient';

export const dataUsage = `retrainer data list <target> [--json]
retrainer data exclude <target> <file> [--by NAME] [--why TEXT]
retrainer data include <target> <file> [--by NAME]
  list: each file under the target's data with its state (included, excluded by whom and when,
  quarantined by which Rejected run, refused with why) and whether the last run trained on it.
  exclude: later runs leave the file out. include: lifts an exclusion or a quarantine. <file> is the
  blob name or its name under the target's prefix; --by defaults to your user name.`;

/** `retrainer data list|exclude|include`; exit 0 when the app answered. */
export async function data(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            json: { type: 'boolean', default: false },
            by: { type: 'string' },
            why: { type: 'string' },
        },
    });
    const [action, target, file, ...extra] = positionals;
    const client = () => appClient(values);
    if (action === 'list' && target && file === undefined) {
        const view = await client().listData(target);
        console.log(values.json ? JSON.stringify(view, null, 2) : describeData(view));
        return 0;
    }
    if ((action === 'exclude' || action === 'include') && target && file && extra.length === 0) {
        const by = values.by ?? userName();
        const body = { file, by, ...(values.why ? { why: values.why } : {}) };
        const d = await client().changeData(target, action, body);
        if (action === 'exclude') {
            console.log(
                d.changed
                    ? `Excluded '${d.file}' of '${d.target}' (by ${d.by} at ${d.at}); later runs leave it out.`
                    : `'${d.file}' of '${d.target}' was already excluded (by ${d.excluded?.by} at ${d.excluded?.at}).`,
            );
        } else if (!d.changed) console.log(`'${d.file}' of '${d.target}' was neither excluded nor quarantined.`);
        else {
            const lifted = [
                d.excluded ? `exclusion by ${d.excluded.by}` : '',
                d.releasedFromQuarantine ? `quarantine of run ${d.releasedFromQuarantine.runId}` : '',
            ].filter(Boolean);
            console.log(`Included '${d.file}' of '${d.target}' again (lifted the ${lifted.join(' and ')}).`);
        }
        return 0;
    }
    throw new CliError(`usage: ${dataUsage}`);
}

function userName(): string {
    try {
        return userInfo().username || 'unknown';
    } catch {
        return 'unknown'; // no passwd entry (some containers)
    }
}

function stateOf(f: DataFileView): string {
    switch (f.state) {
        case 'excluded':
            return `excluded by ${f.excluded?.by ?? '?'} at ${f.excluded?.at ?? '?'}${f.excluded?.why ? `: ${f.excluded.why}` : ''}`;
        case 'quarantined':
            return `quarantined by run ${f.quarantined?.runId ?? '?'} (Rejected)`;
        case 'refused':
            return `refused: ${f.refused?.reason ?? ''}`;
        case 'included':
            return f.outsideWindow
                ? 'included, outside the window'
                : f.judged
                  ? 'included'
                  : 'included (not judged yet)';
    }
}

function describeData(view: DataListView): string {
    const p = view.policy;
    const window =
        p.trainOn === 'all'
            ? 'all files'
            : p.lastFiles !== undefined
              ? `the last ${p.lastFiles} file(s)`
              : `the last ${p.lastDays} day(s)`;
    const head = [
        `${view.target}: trains on ${window}; a Rejected run's files are ${p.onRejected === 'quarantine' ? 'quarantined' : 'kept'}`,
        view.lastRun ? `last run: ${view.lastRun.runId} (${view.lastRun.state})` : 'last run: none yet',
    ];
    if (view.files.length === 0) return [...head, 'No data files.'].join('\n');
    const rows = view.files.map((f) => [f.name, f.inLastRun ? 'yes' : 'no', truncate(stateOf(f), 100)]);
    return [...head, '', table(['FILE', 'IN LAST RUN', 'STATE'], rows)].join('\n');
}
