import { app, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';

import { outboxOf, runsContainerName, runtimeDeps } from '../activities/runtime';
import { TIMER_SCHEDULE_SETTING } from '../retraining/config';
import { parseSchedule } from '../retraining/ncrontab';
import { tickWindowStart } from '../retraining/timerWindow';
import { catchUp } from './shared/catchUp';
import { startOrSignal } from './shared/startRetrain';
import { recordIfTerminated } from './shared/terminated';

export { TIMER_SCHEDULE_SETTING };

/**
 * Periodic work. Each tick starts the targets whose `schedule` had an occurrence since the previous
 * tick (the orchestration skips, with its reason recorded, when no new data arrived since the last
 * judged run, unless the target retrains on schedule regardless); then runs the catch-up pass for
 * every target (shared/catchUp.ts). A tick that lost its start to a live run hints it. An outage
 * fails the invocation after every target was tried (never only a log line).
 */
export async function retrainTimer(timer: Timer, context: InvocationContext): Promise<void> {
    const now = new Date();
    const since = tickWindowStart(timer.scheduleStatus?.last, now);
    const client = df.getClient(context);
    const deps = runtimeDeps();
    const outbox = outboxOf(deps);
    const failures: unknown[] = [];
    for (const target of deps.config.targets) {
        if (!target.schedule) continue;
        const due = parseSchedule(target.schedule).next(since);
        if (due.getTime() > now.getTime()) continue;
        try {
            await recordIfTerminated(client, deps, target.name, (m) => context.log(m));
            const r = await startOrSignal(
                client,
                outbox,
                target.name,
                { kind: 'timer', scheduledAt: due.toISOString() },
                (m) => context.warn(m),
            );
            context.log(
                r.outcome === 'started'
                    ? `Scheduled retrain of '${target.name}' started (due ${due.toISOString()}).`
                    : r.outcome === 'served'
                      ? `Scheduled retrain of '${target.name}' skipped: a run that has just ended took this tick.`
                      : `Scheduled retrain of '${target.name}' skipped: a run is already in flight.`,
            );
        } catch (err: unknown) {
            failures.push(err);
            context.error(
                `Scheduled retrain of '${target.name}' failed: ${err instanceof Error ? err.message : String(err)}`,
            );
        }
    }
    try {
        await catchUp(client, deps, outbox, deps.blobs.getContainerClient(runsContainerName()), process.env, (m) =>
            context.log(m),
        );
    } catch (err: unknown) {
        failures.push(err);
    }
    if (failures.length > 0) throw failures[0];
}

app.timer('retrainTimer', {
    schedule: `%${TIMER_SCHEDULE_SETTING}%`,
    extraInputs: [df.input.durableClient()],
    handler: retrainTimer,
});
