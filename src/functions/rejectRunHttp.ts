import { app } from '@azure/functions';
import * as df from 'durable-functions';

import { decisionHandler } from './shared/approvalDecision';

/** POST /api/runs/{runId}/reject `{ by, why }`: ends a run that waits for approval Rejected. */
export const rejectRunHttp = decisionHandler('reject');

app.http('rejectRunHttp', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'runs/{runId}/reject',
    extraInputs: [df.input.durableClient()],
    handler: rejectRunHttp,
});
