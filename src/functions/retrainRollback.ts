import * as df from 'durable-functions';

import { rollback, RollbackInput } from '../activities/rollback';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.rollback, {
    handler: (input: RollbackInput) => rollback(runtimeDeps(), input),
});
