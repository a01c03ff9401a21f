import * as df from 'durable-functions';

import { getJobStatus, JobRef } from '../activities/jobStatus';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.getJobStatus, {
    handler: (input: JobRef) => getJobStatus(runtimeDeps(), input),
});
