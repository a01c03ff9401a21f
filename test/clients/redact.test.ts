import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { redact, SecretSet } from '../../src/clients/redact';

describe('redact', () => {
    it('strips SAS signatures, account keys, bearer tokens and authorization headers', () => {
        const text = [
            'https://a.blob.core.windows.net/c/m.ilearner?sv=2020-01-01&sig=abc%2Bdef%3D&se=2030',
            'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5PT0=;EndpointSuffix=core.windows.net',
            'Authorization: Bearer eyJhbGciOi.payload.sig',
            '{"authorization":"Bearer xyz123456"}',
        ].join('\n');
        const out = redact(text);
        for (const secret of ['abc%2Bdef%3D', 'c2VjcmV0a2V5PT0=', 'eyJhbGciOi.payload.sig', 'xyz123456']) {
            assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
        }
        assert.ok(out.includes('sv=2020-01-01'), 'non-secret query parameters stay');
        assert.ok(out.includes('AccountName=a'));
    });

    it('replaces known secrets wherever they appear, and ignores very short ones', () => {
        assert.equal(redact('key k3y-VALUE-42 here', ['k3y-VALUE-42']), 'key REDACTED here');
        assert.equal(redact('a b', ['a']), 'a b');
    });

    it('SecretSet learns values and never serializes them', () => {
        const set = new SecretSet(['first-secret']);
        set.add('second-secret');
        set.add(undefined);
        assert.equal(set.redact('first-secret/second-secret'), 'REDACTED/REDACTED');
        const json = JSON.stringify({ set });
        assert.ok(!json.includes('first-secret') && !json.includes('second-secret'), json);
    });
});
