import * as df from 'durable-functions';

import { promote } from '../activities/promote';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';
import type { PromoteInput } from '../orchestrators/contracts';

df.app.activity(Activities.promote, {
    handler: (input: PromoteInput) => promote(runtimeDeps(), input),
});
