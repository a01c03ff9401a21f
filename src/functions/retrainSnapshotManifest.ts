import * as df from 'durable-functions';

import { snapshotManifest, SnapshotInput } from '../activities/snapshotManifest';
import { runtimeDeps } from '../activities/runtime';
import { Activities } from '../orchestrators/contracts';

df.app.activity(Activities.snapshotManifest, {
    handler: (input: SnapshotInput) => snapshotManifest(runtimeDeps(), input),
});
