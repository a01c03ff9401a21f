import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { authorized, KeyFileError, loadOrCreateKeys } from '../../../../src/local/host/http/keys';

describe('host keys', () => {
    it('generates keys once, stores them owner-only, and reads the same keys back', () => {
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'keys-')), 'nested', 'keys.json');
        const first = loadOrCreateKeys(file);
        assert.equal(first.created, true);
        assert.equal(statSync(file).mode & 0o777, 0o600);
        const second = loadOrCreateKeys(file);
        assert.equal(second.created, false);
        assert.deepEqual(second.keys, first.keys);
        assert.notEqual(first.keys.master, first.keys.functionDefault);
    });

    it('refuses a corrupt key file instead of silently replacing keys', () => {
        const file = path.join(mkdtempSync(path.join(tmpdir(), 'keys-')), 'keys.json');
        writeFileSync(file, '{"master":""}');
        assert.throws(() => loadOrCreateKeys(file), KeyFileError);
    });

    it('authorizes by level', () => {
        const keys = { master: 'm'.repeat(20), functionDefault: 'f'.repeat(20), durableSystem: 's'.repeat(20) };
        assert.equal(authorized('anonymous', undefined, keys), true);
        assert.equal(authorized('function', undefined, keys), false);
        assert.equal(authorized('function', keys.functionDefault, keys), true);
        assert.equal(authorized('function', keys.master, keys), true);
        assert.equal(authorized('function', keys.durableSystem, keys), false);
        assert.equal(authorized('admin', keys.functionDefault, keys), false);
        assert.equal(authorized('admin', keys.master, keys), true);
        assert.equal(authorized('system', keys.durableSystem, keys), true);
        assert.equal(authorized('system', keys.functionDefault, keys), false);
    });
});
