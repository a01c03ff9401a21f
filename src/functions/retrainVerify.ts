import * as df from 'durable-functions';

import { verify, VerifyInput } from '../activities/verify';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.verify, {
    handler: (input: VerifyInput) => verify(runtimeDeps(), input),
});
