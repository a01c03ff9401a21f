import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { table, truncate } from '../format';
import { asOwnRequest } from '../ownRequest';
import type { DataChangeView, DataFileView, DataListView } from '../retrainerClient';

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
        const c = client();
        const view = await asOwnRequest(c, `GET /data/${target}`, target, () => c.listData(target));
        console.log(values.json ? JSON.stringify(view, null, 2) : describeData(view));
        return 0;
    }
    if ((action === 'exclude' || action === 'include') && target && file && extra.length === 0) {
        const by = values.by ?? userName();
        const body = { file, by, ...(values.why ? { why: values.why } : {}) };
        const c = client();
        const d = await asOwnRequest(c, `POST /data/${target}/${action}`, target, () =>
            c.changeData(target, action, body),
        );
        if (action === 'exclude') {
            console.log(
                d.changed
                    ? `Excluded '${d.file}' of '${d.target}' (by ${d.by} at ${d.at}); later runs leave it out.`
                    : `'${d.file}' of '${d.target}' was already excluded (by ${d.excluded?.by} at ${d.excluded?.at}).`,
            );
        } else console.log(describeInclusion(d));
        return 0;
    }
    throw new CliError(`usage: ${dataUsage}`);
}

/**
 * What an include did, in plain words: whose exclusion (and when) or which run's quarantine no
 * longer keeps the file out ("lifted the exclusion by root" read as if root had lifted it).
 */
export function describeInclusion(d: DataChangeView): string {
    if (!d.changed) return `'${d.file}' of '${d.target}' was neither excluded nor quarantined: nothing changed.`;
    const lifted = [
        d.excluded ? `the exclusion set by ${d.excluded.by} on ${d.excluded.at}` : '',
        d.releasedFromQuarantine ? `the quarantine by Rejected run ${d.releasedFromQuarantine.runId}` : '',
    ].filter(Boolean);
    const verb = lifted.length > 1 ? 'are' : 'is';
    return `'${d.file}' of '${d.target}' is back in training: ${lifted.join(' and ')} ${verb} lifted by ${d.by}.`;
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

/** A data policy in words: `trains on all files; a Rejected run's files are kept`. */
export function describePolicy(p: DataListView['policy']): string {
    const window =
        p.trainOn === 'all'
            ? 'all files'
            : p.lastFiles !== undefined
              ? `the last ${p.lastFiles} file(s)`
              : `the last ${p.lastDays} day(s)`;
    return `trains on ${window}; a Rejected run's files are ${p.onRejected === 'quarantine' ? 'quarantined' : 'kept'}`;
}

function describeData(view: DataListView): string {
    const head = [
        `${view.target}: ${describePolicy(view.policy)}`,
        view.lastRun ? `last run: ${view.lastRun.runId} (${view.lastRun.state})` : 'last run: none yet',
    ];
    if (view.files.length === 0) return [...head, 'No data files.'].join('\n');
    const rows = view.files.map((f) => [f.name, f.inLastRun ? 'yes' : 'no', truncate(stateOf(f), 100)]);
    return [...head, '', table(['FILE', 'IN LAST RUN', 'STATE'], rows)].join('\n');
}
