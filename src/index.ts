import { app } from '@azure/functions';

// The entry file only configures the app; registrations live one per file in src/functions.
app.setup({ enableHttpStream: false });
