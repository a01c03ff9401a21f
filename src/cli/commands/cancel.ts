import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

import { lateCancelNote } from '../../retraining/lateCancel';
import { appClient, CliError, CONNECTION_OPTIONS } from '../connection';
import { asOwnRequest } from '../ownRequest';
import { describeRun, exitCodeOf, timeoutInMsOf, waitForRun } from '../wait';

export const cancelUsage = `retrainer cancel <target> [--by NAME] [--why TEXT] [--wait] [--timeout-seconds N]
  Asks the target's run in flight to stop: it cancels its training job and is recorded Cancelled,
  with who (--by, default your user name; the signed-in caller where App Service Authentication
  is on), when and why. A run that has begun to promote can no longer be cancelled. A run already
  asked is not asked again: it says who asked first, when and why.
  --wait follows it to its run record and exits with its code (14 Cancelled).`;

/** The local user's name, the default `--by` (undefined where the OS cannot tell). */
function localUser(): string | undefined {
    try {
        return userInfo().username || undefined;
    } catch {
        return undefined;
    }
}

function capitalized(text: string): string {
    return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `retrainer cancel`: exit 0 once the run was asked (or, with --wait, the run's own exit code). */
export async function cancel(argv: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            ...CONNECTION_OPTIONS,
            by: { type: 'string' },
            why: { type: 'string' },
            wait: { type: 'boolean', default: false },
            'timeout-seconds': { type: 'string', default: '300' },
        },
    });
    const target = positionals[0];
    if (!target || positionals.length > 1) throw new CliError(`usage: ${cancelUsage}`);
    const timeoutInMs = timeoutInMsOf(values['timeout-seconds']);
    const client = appClient(values);
    const by = values.by ?? localUser();
    const { before, asked } = await asOwnRequest(client, `POST /retrain/${target}/cancel`, target, async () => ({
        before: new Set((await client.listRuns({ target, limit: 50 })).map((r) => r.runId)),
        asked: await client.cancelRun(target, { ...(by ? { by } : {}), ...(values.why ? { why: values.why } : {}) }),
    }));
    const which = asked.runId ? `run ${asked.runId}` : 'the run';
    if ('alreadyRequested' in asked) {
        const first = asked.alreadyRequested;
        const why = first.why ? ` ("${first.why}")` : '';
        console.log(
            `${capitalized(which)} of '${asked.target}' (at '${asked.step}') was already asked to stop by ${first.by} at ${first.at}${why}; that request stands, this one was not sent.`,
        );
    } else console.log(`Asked ${which} of '${asked.target}' (at '${asked.step}') to stop, for ${asked.by}.`);
    if (!values.wait) return 0;
    const run = await waitForRun(client, target, (r) => !before.has(r.runId) && r.instanceId === asked.instanceId, {
        timeoutInMs,
        onStep: (step) => console.error(`  ... ${step}`),
    });
    console.log(describeRun(run));
    // Asked just before the run passed its last stopping point: it went on, and its record says so.
    const late = lateCancelNote(run.cancellation);
    if (late) console.log(late);
    return exitCodeOf(run);
}
