import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { APP_ROOT } from '../../src/activities/runtime';
import { configPathFromEnv } from '../../src/retraining/config';

describe('APP_ROOT', () => {
    it('is the package root the host loads (package.json + host.json), wherever the worker runs', () => {
        assert.equal(
            (JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { name: string }).name,
            'retrainer',
        );
        assert.ok(existsSync(path.join(APP_ROOT, 'host.json')));
        assert.equal(
            configPathFromEnv({ RETRAINER_CONFIG_PATH: 'retrainer.config.json' }, APP_ROOT),
            path.join(APP_ROOT, 'retrainer.config.json'),
        );
        assert.equal(configPathFromEnv({ RETRAINER_CONFIG_PATH: '/etc/r.json' }, APP_ROOT), '/etc/r.json');
    });
});
