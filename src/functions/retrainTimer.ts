import { app, InvocationContext, Timer } from '@azure/functions';
import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { parseSchedule } from '../retraining/ncrontab';
import { tickWindowStart } from '../retraining/timerWindow';
import { instanceIdFor, liveStatus, RETRAIN_ORCHESTRATOR } from './shared/startRetrain';

/** How often the app looks for targets whose own schedule came due (NCRONTAB). */
export const TIMER_SCHEDULE_SETTING = 'RETRAINER_TIMER_SCHEDULE';

/**
 * Periodic retrains: each tick starts the targets whose `schedule` had an occurrence since the
 * previous tick. The orchestration skips, with its reason recorded, when no new data arrived since
 * the last judged run (unless the target retrains on schedule regardless).
 */
export async function retrainTimer(timer: Timer, context: InvocationContext): Promise<void> {
    const now = new Date();
    const since = tickWindowStart(timer.scheduleStatus?.last, now);
    const client = df.getClient(context);
    for (const target of runtimeDeps().config.targets) {
        if (!target.schedule) continue;
        const due = parseSchedule(target.schedule).next(since);
        if (due.getTime() > now.getTime()) continue;
        if (await liveStatus(client, target.name)) {
            context.log(`Scheduled retrain of '${target.name}' skipped: a run is already in flight.`);
            continue;
        }
        try {
            await client.startNew(RETRAIN_ORCHESTRATOR, {
                instanceId: instanceIdFor(target.name),
                input: { target: target.name, trigger: { kind: 'timer', scheduledAt: due.toISOString() } },
            });
            context.log(`Scheduled retrain of '${target.name}' started (due ${due.toISOString()}).`);
        } catch {
            context.log(`Scheduled retrain of '${target.name}' skipped: another trigger started it first.`);
        }
    }
}

app.timer('retrainTimer', {
    schedule: `%${TIMER_SCHEDULE_SETTING}%`,
    extraInputs: [df.input.durableClient()],
    handler: retrainTimer,
});
