import * as df from 'durable-functions';

import { arrivals } from '../activities/arrivals';
import { outboxOf, runtimeDeps } from '../activities/runtime';
import { Activities, ArrivalsInput } from '../orchestrators/contracts';

df.app.activity(Activities.arrivals, {
    handler: (input: ArrivalsInput) => arrivals(outboxOf(runtimeDeps()), input),
});
