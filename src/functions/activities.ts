import * as df from 'durable-functions';

import { runtimeDeps } from '../activities/runtime';
import { activityImplementations } from '../activities/table';
import { Activities, ActivityInput, ActivityKey } from '../orchestrators/contracts';

/** Registers the activity `key` under its name in `Activities`, run with the process's dependencies. */
function register<K extends ActivityKey>(key: K): void {
    const run = activityImplementations[key];
    df.app.activity(Activities[key], {
        handler: (input: ActivityInput<K>) => run(runtimeDeps(), input),
    });
}

// Object.keys widens to string[]; the keys are exactly Activities' own.
for (const key of Object.keys(Activities) as ActivityKey[]) register(key);
