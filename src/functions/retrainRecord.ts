import * as df from 'durable-functions';

import { recordRun } from '../activities/record';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';
import type { RunRecord } from '../orchestrators/contracts';

df.app.activity(Activities.record, {
    handler: (input: RunRecord) => recordRun(runtimeDeps(), input),
});
