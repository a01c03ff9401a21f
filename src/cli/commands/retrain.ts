import { parseArgs } from 'node:util';

import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { asOwnRequest } from '../ownRequest';
import { describeRun, exitCodeOf, timeoutInMsOf, waitForRun } from '../wait';

export const retrainUsage = `retrainer retrain <target> [--force] [--wait] [--timeout-seconds N]
  Starts a retrain now, on the target's data (as its data policy picks it). --wait follows it to its
  run record. --force re-judges data an earlier run already judged (after a gate change, say)
  instead of ending Skipped; the run record says it was forced.`;

export async function retrain(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            wait: { type: 'boolean', default: false },
            force: { type: 'boolean', default: false },
            'timeout-seconds': { type: 'string', default: '900' },
        },
    });
    const target = positionals[0];
    if (!target || positionals.length > 1) throw new CliError(`usage: ${retrainUsage}`);
    const timeoutInMs = timeoutInMsOf(values['timeout-seconds']);
    const client = appClient(values);
    const { before, started } = await asOwnRequest(client, `POST /retrain/${target}`, target, async () => ({
        before: new Set((await client.listRuns({ target, limit: 50 })).map((r) => r.runId)),
        started: await client.startRetrain(target, { force: values.force }),
    }));
    console.log(`Started ${started.id}.`);
    if (!values.wait) return 0;
    const run = await waitForRun(client, target, (r) => !before.has(r.runId) && r.instanceId === started.id, {
        timeoutInMs,
        onStep: (step) => console.error(`  ... ${step}`),
    });
    console.log(describeRun(run));
    return exitCodeOf(run);
}
