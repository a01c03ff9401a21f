import * as df from 'durable-functions';

import { submitJobActivity } from '../activities/submitJob';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';
import type { SubmitJobInput } from '../orchestrators/contracts';

df.app.activity(Activities.submitJob, {
    handler: (input: SubmitJobInput) => submitJobActivity(runtimeDeps(), input),
});
