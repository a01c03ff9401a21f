import * as df from 'durable-functions';

import { Activities, ActivityInput, ActivityKey, ActivityOutput } from './contracts';

/**
 * Calls the activity `key` names in `Activities` and gives back its result typed by `ActivityTypes`;
 * use as `const job = yield* callActivity(context, 'submitJob', input, retry)`. With `retry` it
 * schedules `callActivityWithRetry`, without it `callActivity`: the same task, so the same history,
 * as calling durable-functions directly. Throws what the yielded task throws (the activity's error
 * once its retries are spent).
 */
export function* callActivity<K extends ActivityKey>(
    context: df.OrchestrationContext,
    key: K,
    input: ActivityInput<K>,
    retry?: df.RetryOptions,
): Generator<df.Task, ActivityOutput<K>, unknown> {
    const name = Activities[key];
    const result: unknown = yield retry
        ? context.df.callActivityWithRetry(name, retry, input)
        : context.df.callActivity(name, input);
    // The one unchecked step: durable-functions types every result as unknown. What arrives is the
    // JSON of what the implementation registered under this name returned, and the registration
    // loop (src/functions/activities.ts) binds each name to an implementation of this same table.
    return result as ActivityOutput<K>;
}
