import * as df from 'durable-functions';

import { evaluate, EvaluateInput } from '../activities/evaluate';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.evaluate, {
    handler: (input: EvaluateInput) => evaluate(runtimeDeps(), input),
});
