import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { listPrefix, matchesDataPattern } from '../../src/retraining/dataPattern';

describe('data pattern', () => {
    it('matches * across folders and treats the rest literally', () => {
        assert.ok(matchesDataPattern('churn/*.csv', 'churn/2024/01/a.csv'));
        assert.ok(!matchesDataPattern('churn/*.csv', 'churn/a.csv.tmp'));
        assert.ok(!matchesDataPattern('churn/*.csv', 'churn-arm/a.csv'));
        assert.ok(!matchesDataPattern('a.b/*', 'aXb/c'));
        assert.equal(listPrefix('churn/*.csv'), 'churn/');
        assert.equal(listPrefix('exact.csv'), 'exact.csv');
    });
});
