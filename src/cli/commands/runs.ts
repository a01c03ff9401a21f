import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS, UsageError } from '../connection';
import { headline, table, truncate } from '../format';
import { asOwnRequest } from '../ownRequest';

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
    if (list.length === 0) {
        console.log('No runs yet.');
        return;
    }
    const rows = list.map((r) => [
        r.runId,
        r.target,
        r.trigger.kind,
        r.state,
        headline(r.verdict?.metrics),
        truncate(r.reason ?? r.verdict?.reasons.join('; ') ?? '', 70),
    ]);
    console.log(table(['RUN', 'TARGET', 'TRIGGER', 'STATE', 'METRIC', 'WHY'], rows));
    // A refused file's reason (file, line, column) is too long for the table, and it is news.
    const refused = new Map<string, string>();
    for (const r of list)
        for (const f of r.manifest?.rejected ?? []) if (!refused.has(f.name)) refused.set(f.name, f.reason);
    if (refused.size > 0)
        console.log(`\nRefused files (never trained):\n${[...refused.values()].map((w) => `  ${w}`).join('\n')}`);
}
