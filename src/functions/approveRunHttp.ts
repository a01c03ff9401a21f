import { app } from '@azure/functions';
import * as df from 'durable-functions';

import { decisionHandler } from './shared/approvalDecision';

/** POST /api/runs/{runId}/approve `{ by, why }`: lets a run that waits for approval be promoted. */
export const approveRunHttp = decisionHandler('approve');

app.http('approveRunHttp', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'runs/{runId}/approve',
    extraInputs: [df.input.durableClient()],
    handler: approveRunHttp,
});
