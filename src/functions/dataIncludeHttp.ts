import { app } from '@azure/functions';

import { dataChangeHandler } from './shared/dataManagement';

/** POST /api/data/{target}/include `{ file, by }`: lifts the file's exclusion or quarantine. */
export const dataIncludeHttp = dataChangeHandler('include');

app.http('dataIncludeHttp', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'data/{target}/include',
    handler: dataIncludeHttp,
});
