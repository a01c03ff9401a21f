import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ownLinks } from '../../../src/functions/shared/ownLinks';

describe('ownLinks', () => {
    it('points at the app’s own API under whatever route prefix the request came through', () => {
        assert.deepEqual(ownLinks('https://app.example/api/retrain/churn', 'churn'), {
            statusUrl: 'https://app.example/api/targets/churn',
            runsUrl: 'https://app.example/api/runs?target=churn',
        });
        assert.deepEqual(ownLinks('http://127.0.0.1:7071/x/y/RETRAIN/a%20b/?code=k', 'a b'), {
            statusUrl: 'http://127.0.0.1:7071/x/y/targets/a%20b',
            runsUrl: 'http://127.0.0.1:7071/x/y/runs?target=a%20b',
        });
    });
});
