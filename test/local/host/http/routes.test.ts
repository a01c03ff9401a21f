import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { compileRoute } from '../../../../src/local/host/http/routes';

describe('route templates', () => {
    it('matches literals case-insensitively and binds parameters', () => {
        const r = compileRoute('api/orders/{id}/items/{item}');
        assert.deepEqual(r.match('/API/Orders/42/items/a%20b'), { id: '42', item: 'a b' });
        assert.equal(r.match('/api/orders/42'), undefined);
        assert.equal(r.match('/api/orders/42/items/x/extra'), undefined);
    });

    it('supports optional, constrained and catch-all parameters', () => {
        assert.deepEqual(compileRoute('api/hello/{who?}').match('/api/hello'), {});
        assert.deepEqual(compileRoute('api/n/{id:int}').match('/api/n/-3'), { id: '-3' });
        assert.equal(compileRoute('api/n/{id:int}').match('/api/n/x'), undefined);
        assert.deepEqual(compileRoute('api/files/{*path}').match('/api/files/a/b/c.txt'), { path: 'a/b/c.txt' });
        assert.deepEqual(compileRoute('api/files/{*path}').match('/api/files'), {});
    });

    it('ranks literal routes above parameter routes', () => {
        assert.ok(compileRoute('api/orders/latest').precedence > compileRoute('api/orders/{id}').precedence);
        assert.ok(compileRoute('api/orders/{id:int}').precedence > compileRoute('api/orders/{id}').precedence);
        assert.ok(compileRoute('api/orders/{id}').precedence > compileRoute('api/{*rest}').precedence);
    });
});
