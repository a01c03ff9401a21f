import * as df from 'durable-functions';

import { cancelJob, JobRef } from '../activities/jobStatus';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.cancelJob, {
    handler: (input: JobRef) => cancelJob(runtimeDeps(), input),
});
