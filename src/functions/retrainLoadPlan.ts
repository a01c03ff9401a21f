import * as df from 'durable-functions';

import { loadPlan } from '../activities/loadPlan';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.loadPlan, {
    handler: (input: string) => loadPlan(runtimeDeps(), input),
});
