import { app } from '@azure/functions';

import { dataChangeHandler } from './shared/dataManagement';

/** POST /api/data/{target}/exclude `{ file, by, why? }`: later runs leave the file out until it is included. */
export const dataExcludeHttp = dataChangeHandler('exclude');

app.http('dataExcludeHttp', {
    methods: ['POST'],
    authLevel: 'function',
    route: 'data/{target}/exclude',
    handler: dataExcludeHttp,
});
