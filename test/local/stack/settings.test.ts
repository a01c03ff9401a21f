import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { SettingsError } from '../../../src/local/host/config/settings';
import { localSettings, withStackStorage } from '../../../src/local/stack/settings';

describe('npm start: local.settings.json', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-settings-'));
    const file = (name: string, text: string): string => {
        const f = path.join(dir, name);
        writeFileSync(f, text);
        return f;
    };

    it('takes the Values, leaving out placeholders copied from the sample', () => {
        const f = file(
            'a.json',
            JSON.stringify({
                Values: {
                    RETRAINER_RUNS_CONTAINER: 'my-runs',
                    CHURN_TRAINING_API_KEY: '<API key of the churn training web service (BES)>',
                    FLAG: true,
                },
            }),
        );
        assert.deepEqual(localSettings(f), { RETRAINER_RUNS_CONTAINER: 'my-runs', FLAG: 'true' });
    });

    it('reads no settings when the file is absent', () => {
        assert.deepEqual(localSettings(path.join(dir, 'missing.json')), {});
    });

    it('names the file when it is not JSON', () => {
        const f = file('bad.json', '{ "Values": ');
        assert.throws(
            () => localSettings(f),
            (e: unknown) => e instanceof SettingsError && e.message.includes(f),
        );
    });

    it('points UseDevelopmentStorage=true at the stack Azurite and keeps other values', () => {
        const cs = 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;BlobEndpoint=http://127.0.0.1:20000/x;';
        assert.deepEqual(
            withStackStorage(
                { AzureWebJobsStorage: 'UseDevelopmentStorage=true', OTHER: 'UseDevelopmentStorage=false' },
                cs,
            ),
            { AzureWebJobsStorage: cs, OTHER: 'UseDevelopmentStorage=false' },
        );
    });
});
