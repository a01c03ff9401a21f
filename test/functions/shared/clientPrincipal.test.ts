import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseClientPrincipal } from '../../../src/functions/shared/clientPrincipal';

const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

describe('x-ms-client-principal', () => {
    it('is absent without the header', () => {
        assert.equal(parseClientPrincipal(null), undefined);
        assert.equal(parseClientPrincipal(''), undefined);
    });

    it("reads the name and roles by the header's own name_typ and role_typ", () => {
        const header = encode({
            auth_typ: 'aad',
            claims: [
                { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'oid-1' },
                { typ: 'preferred_username', val: 'ana@contoso.com' },
                { typ: 'roles', val: 'ml-leads' },
                { typ: 'roles', val: 'readers' },
            ],
            name_typ: 'preferred_username',
            role_typ: 'roles',
        });
        assert.deepEqual(parseClientPrincipal(header), { name: 'ana@contoso.com', roles: ['ml-leads', 'readers'] });
    });

    it("falls back to Entra ID's usual claim types", () => {
        const header = encode({
            claims: [
                { typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name', val: 'Bo' },
                { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'approvers' },
            ],
        });
        assert.deepEqual(parseClientPrincipal(header), { name: 'Bo', roles: ['approvers'] });
    });

    it('refuses a header it cannot read rather than treating the caller as anonymous', () => {
        assert.throws(
            () => parseClientPrincipal('not base64 json'),
            /x-ms-client-principal header is not Base64-encoded JSON/,
        );
        assert.throws(() => parseClientPrincipal(encode({ claims: [] })), /carries no name claim/);
    });
});
