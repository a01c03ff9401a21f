import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS, UsageError } from '../connection';
import { asOwnRequest } from '../ownRequest';

export const approveUsage = `retrainer approve <target> [--run ID] --by NAME --why TEXT
retrainer reject <target> [--run ID] --by NAME --why TEXT
  Decides on the run of a target that waits for approval (the one in flight, or --run ID):
  approve lets it promote its model; reject ends it Rejected, the serving model untouched.`;

/** `retrainer approve|reject`: sends the decision for the target's waiting run; exit 0 when recorded. */
export function decideCommand(decision: 'approve' | 'reject'): (argv: string[]) => Promise<number> {
    return async (argv) => {
        const { values, positionals } = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                ...CONNECTION_OPTIONS,
                run: { type: 'string' },
                by: { type: 'string' },
                why: { type: 'string' },
            },
        });
        const target = positionals[0];
        if (!target || positionals.length > 1) throw new CliError(`usage: ${approveUsage}`);
        // Name what is missing: the bare usage left a first-time user guessing which flag it was.
        if (!values.by || !values.why) {
            const missing = [values.by ? '' : '--by NAME', values.why ? '' : '--why TEXT'].filter(Boolean);
            throw new UsageError(
                `${decision} needs ${missing.join(' and ')} (the run record keeps who decided and why).\n\nusage: ${approveUsage}`,
            );
        }
        const client = appClient(values);
        const { by, why } = values;
        // Before the waiting run is found, the route's own template stands for its id.
        const own = `POST /runs/${values.run ?? '{waiting run}'}/${decision}`;
        const d = await asOwnRequest(client, own, target, async () => {
            const live = (await client.getTarget(target)).inFlight?.step;
            let runId = values.run;
            if (runId === undefined) {
                if (live?.step !== 'awaiting-approval' || !live.runId) {
                    throw new CliError(
                        `No run of '${target}' is waiting for approval${live ? ` (the run in flight is at '${live.step}')` : ''}.`,
                    );
                }
                runId = live.runId;
            } else if (
                live?.runId !== runId &&
                !(await client.listRuns({ target, limit: 500 })).some((r) => r.runId === runId)
            ) {
                // The route finds a run by its id alone: make sure it is this target's before deciding.
                throw new CliError(`Run ${runId} is not a run of '${target}'.`);
            }
            return client.decide(runId, decision, { by, why });
        });
        const verb = d.decision === 'approve' ? 'Approved' : 'Rejected';
        console.log(`${verb} run ${d.runId} of '${d.target}' (by ${d.by} at ${d.at}: ${d.why}).`);
        return 0;
    };
}
