import { app, HttpRequest, HttpResponseInit } from '@azure/functions';

import { dataList, routeTarget } from './shared/dataManagement';

/**
 * GET /api/data/{target}: each file under the target's data pattern with its state (included,
 * excluded by whom and when, quarantined by which run, refused with the intake reason or, for a
 * blob whose name breaks the training-data name rule, with the rule it breaks), whether
 * the last run trained on it, and the target's data policy.
 */
export async function dataListHttp(request: HttpRequest): Promise<HttpResponseInit> {
    const found = routeTarget(request);
    if ('answer' in found) return found.answer;
    return { status: 200, jsonBody: await dataList(found.deps, found.target) };
}

app.http('dataListHttp', { methods: ['GET'], authLevel: 'function', route: 'data/{target}', handler: dataListHttp });
