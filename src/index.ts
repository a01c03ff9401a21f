import { app } from '@azure/functions';

import { runtimeDeps } from './activities/runtime';

// The entry file only configures the app; registrations live one per file in src/functions.
app.setup({ enableHttpStream: false });

// Read and validate the configuration once at start-up, so a bad config fails the app with every
// problem named instead of failing the first run.
app.hook.appStart(() => {
    runtimeDeps();
});
