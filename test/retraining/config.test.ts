import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ConfigError, configPathFromEnv, loadConfig, validateConfig } from '../../src/retraining/config';
import { targetPlan } from '../../src/retraining/plan';
import { registerEmulatorCredential } from '../../src/local/studio/emulatorCredential';
import { registerEmulatorDeploymentMetrics } from '../../src/local/studio/emulatorDeploymentMetrics';

// The sample and demo ARM targets name the offline stack's `emulator` credential kind.
registerEmulatorCredential();
registerEmulatorDeploymentMetrics();

const SAMPLE = path.resolve(__dirname, '../../../retrainer.config.sample.json');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture each test mutates freely
const sample = (): any => JSON.parse(readFileSync(SAMPLE, 'utf8'));
const ENV = {
    RETRAINER_DATA_STORAGE: 'UseDevelopmentStorage=true',
    CHURN_TRAINING_API_KEY: 'k1-training',
    CHURN_ENDPOINT_API_KEY: 'k2-endpoint',
    STUDIO_ARM_TOKEN_SECRET: 'arm-secret',
    STUDIO_ADMIN_KEY: 'admin-key',
    HOUSES_TRAINING_API_KEY: 'k3-training',
    HOUSES_ARM_API_KEY: 'k4-arm',
};

function issuesOf(fn: () => unknown): string[] {
    try {
        fn();
    } catch (e: unknown) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.issues;
    }
    assert.fail('expected a ConfigError');
}

describe('retrainer config', () => {
    it('accepts the sample and fills defaults', () => {
        const c = validateConfig(sample());
        const [classic, arm] = c.targets;
        assert.equal(classic?.update.kind, 'classic');
        assert.equal(arm?.training?.modelOutputName, 'output1');
        assert.equal(arm?.job.deadlineInMs, 7_200_000);
        assert.equal(arm?.activityRetry.maxAttempts, 3);
        assert.equal(arm?.update.kind === 'arm' && arm.update.pollIntervalInMs, 2000);
    });

    it('names every invalid key in one error', () => {
        const raw = sample();
        raw.targets[0].training.besUrl = 'not a url';
        raw.targets[0].update.endpointName = 'Has Spaces';
        raw.targets[0].schedule = '61 * * * * *';
        raw.targets[0].debounce = { quietPeriodInMs: 5000, maxWaitInMs: 1000 };
        raw.targets[1].gate.thresholds = [...raw.targets[1].gate.thresholds, { metric: 'customScore', threshold: 1 }];
        raw.targets[1].update.credential = { kind: 'magic' };
        raw.targets[1].extraKey = true;
        raw.targets[1].name = 'churn';
        const issues = issuesOf(() => validateConfig(raw));
        const expect = [
            /^targets\[0\]\.training\.besUrl: /,
            /^targets\[0\]\.update\.endpointName: /,
            /^targets\[0\]\.schedule: must be a 6-field NCRONTAB/,
            /^targets\[0\]\.debounce: maxWaitInMs must be >= quietPeriodInMs/,
            /^targets\[1\]\.gate\.thresholds\[1\]\.direction: metric 'customScore'/,
            /^targets\[1\]\.update\.credential/,
            /^targets\[1\]\.extraKey: unknown key/,
            /^targets\[1\]\.name: duplicate target 'churn'/,
        ];
        for (const re of expect)
            assert.ok(
                issues.some((i) => re.test(i)),
                `${re} not in:\n${issues.join('\n')}`,
            );
    });

    it('says a left-out or misspelt key is missing, and a wrong type what it got', () => {
        const raw = sample();
        raw.targets[0].data.prefixPatern = raw.targets[0].data.prefixPattern;
        delete raw.targets[0].data.prefixPattern;
        delete raw.targets[1].gate;
        raw.targets[1].debounce = { quietPeriodInMs: '10s' };
        const issues = issuesOf(() => validateConfig(raw));
        for (const line of [
            'targets[0].data.prefixPattern: missing (required, string)',
            'targets[0].data.prefixPatern: unknown key',
            'targets[1].gate: missing (required, object)',
            'targets[1].debounce.quietPeriodInMs: Invalid input: expected number, received string',
        ])
            assert.ok(issues.includes(line), `${line} not in:\n${issues.join('\n')}`);
    });

    it('refuses inline secrets without echoing them', () => {
        const raw = sample();
        raw.targets[0].training.apiKey = 'SUPERSECRETKEY1';
        raw.targets[0].scoring.apiKeySetting = 'abc/def==';
        raw.storage.connectionStringSetting = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=SUPERSECRETKEY2';
        raw.targets[1].data.prefixPattern = 'x?sv=1&sig=SUPERSECRETSIG';
        let message = '';
        const issues = issuesOf(() => {
            try {
                validateConfig(raw);
            } catch (e: unknown) {
                message = (e as Error).message;
                throw e;
            }
        });
        assert.ok(
            issues.some((i) =>
                /^targets\[0\]\.training\.apiKey: inline secrets are refused; use "apiKeySetting"/.test(i),
            ),
        );
        assert.ok(
            issues.some((i) => /^targets\[0\]\.scoring\.apiKeySetting: must be the NAME of an app setting/.test(i)),
        );
        assert.ok(issues.some((i) => /^storage\.connectionStringSetting: looks like a storage account key/.test(i)));
        assert.ok(issues.some((i) => /^targets\[1\]\.data\.prefixPattern: looks like a SAS token/.test(i)));
        assert.ok(!issues.some((i) => i === 'targets[0].training.apiKey: unknown key'), 'flagged once, as a secret');
        for (const s of ['SUPERSECRETKEY1', 'SUPERSECRETKEY2', 'SUPERSECRETSIG', 'abc/def=='])
            assert.ok(!message.includes(s), s);
    });

    it('refuses a data pattern whose literal part breaks the training-data name rule, naming the key', () => {
        const raw = sample();
        raw.targets[0].data.prefixPattern = 'churn/../houses/*.csv';
        raw.targets[1].data.prefixPattern = 'houses//*.csv';
        const issues = issuesOf(() => validateConfig(raw));
        assert.ok(
            issues.some((i) =>
                /^targets\[0\]\.data\.prefixPattern: it has a '\.\.' segment: a training-data name is/.test(i),
            ),
            issues.join('\n'),
        );
        assert.ok(
            issues.some((i) => /^targets\[1\]\.data\.prefixPattern: it has an empty segment/.test(i)),
            issues.join('\n'),
        );
        // `*` standing for a whole segment, or for several, is fine.
        raw.targets[0].data.prefixPattern = 'churn/*';
        raw.targets[1].data.prefixPattern = 'houses/*/*.csv';
        validateConfig(raw);
    });

    it('loads from the path setting and resolves every referenced setting', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        const file = path.join(dir, 'retrainer.config.json');
        writeFileSync(file, readFileSync(SAMPLE));
        assert.equal(configPathFromEnv({ RETRAINER_CONFIG_PATH: 'retrainer.config.json' }, dir), file);
        const loaded = loadConfig(file, ENV);
        assert.equal(loaded.setting('CHURN_TRAINING_API_KEY'), 'k1-training');
        assert.throws(() => loaded.setting('PATH'), RangeError);
    });

    it('names each missing setting and where it is referenced', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        const file = path.join(dir, 'c.json');
        writeFileSync(file, readFileSync(SAMPLE));
        const env: Record<string, string> = { ...ENV, CHURN_ENDPOINT_API_KEY: '' };
        delete env.STUDIO_ARM_TOKEN_SECRET;
        const issues = issuesOf(() => loadConfig(file, env));
        assert.deepEqual(issues, [
            "targets[0].update.apiKeySetting: app setting 'CHURN_ENDPOINT_API_KEY' is not set",
            "targets[0].scoring.apiKeySetting: app setting 'CHURN_ENDPOINT_API_KEY' is not set",
            "targets[1].update.credential.secretSetting: app setting 'STUDIO_ARM_TOKEN_SECRET' is not set",
            "targets[2].update.credential.secretSetting: app setting 'STUDIO_ARM_TOKEN_SECRET' is not set",
        ]);
    });

    it('refuses a 5-field RETRAINER_TIMER_SCHEDULE at start-up (the Functions host needs seconds)', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        const file = path.join(dir, 'c.json');
        writeFileSync(file, readFileSync(SAMPLE));
        const issues = issuesOf(() => loadConfig(file, { ...ENV, RETRAINER_TIMER_SCHEDULE: '*/5 * * * *' }));
        assert.equal(issues.length, 1);
        assert.match(issues[0], /app setting RETRAINER_TIMER_SCHEDULE '\*\/5 \* \* \* \*' has 5 fields/);
        assert.ok(loadConfig(file, { ...ENV, RETRAINER_TIMER_SCHEDULE: '0 */5 * * * *' }));
    });

    it('reports unreadable and malformed files', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        assert.equal(
            issuesOf(() => loadConfig(path.join(dir, 'nope.json'), ENV))[0],
            'cannot read the file (ENOENT); its path comes from RETRAINER_CONFIG_PATH (npm start: --config FILE)',
        );
        assert.match(issuesOf(() => loadConfig(dir, ENV))[0] ?? '', /^cannot read the file \(EISDIR\)/);
        const bad = path.join(dir, 'bad.json');
        writeFileSync(bad, '{ "targets": [');
        assert.match(issuesOf(() => loadConfig(bad, ENV))[0] ?? '', /not valid JSON/);
    });

    it('says at which line and column the JSON breaks, not at which character offset', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        const bad = path.join(dir, 'bad.json');
        // A missing comma after line 3's value: the parser stops at the next key, line 4 column 5.
        writeFileSync(
            bad,
            '{\n    "storage": {\n        "connectionStringSetting": "S"\n    }\n    "targets": []\n}\n',
        );
        const [issue = ''] = issuesOf(() => loadConfig(bad, ENV));
        assert.match(issue, /^not valid JSON: .* at line 5, column 5\b/);
        assert.doesNotMatch(issue, /position/);
    });

    it('refuses the classic default endpoint as the endpoint to update', () => {
        const raw = sample();
        raw.targets[0].update.endpointName = raw.targets[0].update.defaultEndpointName;
        const issues = issuesOf(() => validateConfig(raw));
        assert.equal(issues.length, 1, issues.join('\n'));
        assert.match(
            issues[0] ?? '',
            /^targets\[0\]\.update\.endpointName: '\w+' is the web service's default endpoint/,
        );
        // Without defaultEndpointName, the service's own default name applies.
        delete raw.targets[0].update.defaultEndpointName;
        raw.targets[0].update.endpointName = 'default';
        assert.equal(issuesOf(() => validateConfig(raw)).length, 1);
    });

    it("refuses a target whose data lies outside the blob trigger's container", () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'retrainer-config-'));
        const file = path.join(dir, 'c.json');
        writeFileSync(file, readFileSync(SAMPLE));
        const watched = sample().targets[0].data.container as string;
        assert.doesNotThrow(() => loadConfig(file, { ...ENV, RETRAINER_DATA_CONTAINER: watched }));
        const issues = issuesOf(() => loadConfig(file, { ...ENV, RETRAINER_DATA_CONTAINER: 'elsewhere' }));
        assert.deepEqual(
            issues.map((i) => i.slice(0, i.indexOf(':'))),
            ['targets[0].data.container', 'targets[1].data.container', 'targets[2].data.container'],
        );
        assert.match(issues[0] ?? '', /RETRAINER_DATA_CONTAINER='elsewhere'/);
    });
});

describe('approval block', () => {
    const README = path.resolve(__dirname, '../../../README.md');
    /** The `approval` snippet the README's walkthrough tells users to add to `houses`. */
    const readmeSnippet = (): unknown => {
        const m = /```json\n"approval": (\{[^\n]*\})\n```/.exec(readFileSync(README, 'utf8'));
        assert.ok(m, 'the README shows an approval block');
        return JSON.parse(m[1]) as unknown;
    };

    it("accepts the README's snippet, fills defaults, and puts it in the target's plan", () => {
        const raw = sample();
        raw.targets[1].approval = readmeSnippet();
        const c = validateConfig(raw);
        const houses = c.targets[1];
        assert.deepEqual(houses.approval, {
            required: true,
            approvers: ['ana', 'ml-leads'],
            timeoutInMs: 3_600_000,
            onTimeout: 'reject',
            decisionCheckEveryInMs: 60_000,
        });
        assert.deepEqual(targetPlan(houses).approval, {
            timeoutInMs: 3_600_000,
            onTimeout: 'reject',
            decisionCheckEveryInMs: 60_000,
        });
        // Other targets' plans have no approval key at all, so their orchestration histories do not change.
        assert.ok(!('approval' in targetPlan(c.targets[0])));
    });

    it('defaults to reject after a day; approve on timeout only when written; required: false asks nobody', () => {
        const raw = sample();
        raw.targets[0].approval = {};
        raw.targets[1].approval = { required: false, onTimeout: 'approve' };
        const c = validateConfig(raw);
        assert.deepEqual(targetPlan(c.targets[0]).approval, {
            timeoutInMs: 86_400_000,
            onTimeout: 'reject',
            decisionCheckEveryInMs: 60_000,
        });
        assert.ok(!('approval' in targetPlan(c.targets[1])));
    });

    it('names bad approval keys', () => {
        const raw = sample();
        raw.targets[0].approval = { timeoutInMs: 0, onTimeout: 'maybe', approvers: [''], whoever: 1 };
        const issues = issuesOf(() => validateConfig(raw));
        for (const re of [
            /^targets\[0\]\.approval\.timeoutInMs: /,
            /^targets\[0\]\.approval\.onTimeout: /,
            /^targets\[0\]\.approval\.approvers\[0\]: /,
            /^targets\[0\]\.approval\.whoever: unknown key/,
        ]) {
            assert.ok(
                issues.some((i) => re.test(i)),
                `${String(re)} in ${issues.join(' | ')}`,
            );
        }
    });

    /** An Azure ML v2 target made from the sample's first one: no BES training, no RRS scoring. */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON fixture each test mutates freely
    function azuremlRaw(update: Record<string, unknown> = {}): any {
        const raw = sample();
        const t = raw.targets[0];
        delete t.training;
        delete t.scoring;
        t.update = {
            kind: 'azureml',
            workspace: { subscriptionId: 'sub', resourceGroup: 'rg', name: 'ws' },
            credential: { kind: 'default' },
            datastore: { container: 'azureml-blobstore' },
            liveMetrics: { kind: 'azureMonitor', region: 'westeurope' },
            endpoint: 'churn-online',
            job: { environmentId: 'azureml:retrainer-churn:1', command: 'python train.py' },
            ...update,
        };
        return raw;
    }

    it('accepts an azureml target, fills its defaults, and gives its plan a rollout', () => {
        const c = validateConfig(azuremlRaw());
        const t = c.targets[0];
        assert.equal(t.update.kind, 'azureml');
        assert.equal(t.training, undefined);
        if (t.update.kind !== 'azureml') return;
        assert.equal(t.update.datastore.name, 'workspaceblobstore');
        assert.equal(t.update.keepDeployments, 1);
        assert.deepEqual(t.update.rollout.stepsInPercent, [10, 50, 100]);
        assert.deepEqual(t.update.rollout.liveChecks, { maxErrorRate: 0.01, minRequests: 0 });
        assert.deepEqual(targetPlan(t).rollout, {
            stepsInPercent: [10, 50, 100],
            bakeInMs: 300_000,
            pollIntervalInMs: 10_000,
            operationTimeoutInMs: 1_800_000,
            keepDeployments: 1,
        });
        // The classic and ARM targets' plans carry no rollout, so their histories stay as they were.
        assert.ok(!('rollout' in targetPlan(c.targets[1])));
    });

    it('refuses rollout steps that do not increase or do not end at 100, naming the key', () => {
        for (const steps of [
            [50, 10, 100],
            [10, 10, 100],
            [10, 50],
        ]) {
            const issues = issuesOf(() => validateConfig(azuremlRaw({ rollout: { stepsInPercent: steps } })));
            assert.ok(
                issues.some((i) => i.startsWith('targets[0].update.rollout.stepsInPercent: must')),
                `${JSON.stringify(steps)}: ${issues.join(' | ')}`,
            );
        }
        const bad = issuesOf(() =>
            validateConfig(
                azuremlRaw({
                    rollout: { stepsInPercent: [0, 150], liveChecks: { maxErrorRate: 2 } },
                    keepDeployments: -1,
                }),
            ),
        );
        for (const re of [
            /^targets\[0\]\.update\.rollout\.stepsInPercent\[0\]: /,
            /^targets\[0\]\.update\.rollout\.stepsInPercent\[1\]: /,
            /^targets\[0\]\.update\.rollout\.liveChecks\.maxErrorRate: /,
            /^targets\[0\]\.update\.keepDeployments: /,
        ]) {
            assert.ok(
                bad.some((i) => re.test(i)),
                `${String(re)} in ${bad.join(' | ')}`,
            );
        }
    });

    it('names BES training and RRS scoring where they are missing or not used', () => {
        const withBes = azuremlRaw();
        withBes.targets[0].training = sample().targets[0].training;
        withBes.targets[0].scoring = sample().targets[0].scoring;
        const issues = issuesOf(() => validateConfig(withBes));
        assert.ok(
            issues.some((i) => i.startsWith("targets[0].training: not used by an 'azureml' target")),
            issues.join(' | '),
        );
        assert.ok(
            issues.some((i) => i.startsWith("targets[0].scoring: not used by an 'azureml' target")),
            issues.join(' | '),
        );
        const classic = sample();
        delete classic.targets[0].training;
        delete classic.targets[1].scoring;
        const missing = issuesOf(() => validateConfig(classic));
        assert.ok(
            missing.includes("targets[0].training: required for an update of kind 'classic'"),
            missing.join(' | '),
        );
        assert.ok(missing.includes("targets[1].scoring: required for an update of kind 'arm'"), missing.join(' | '));
    });

    it('names missing azureml keys', () => {
        const raw = azuremlRaw();
        delete raw.targets[0].update.job.environmentId;
        delete raw.targets[0].update.endpoint;
        raw.targets[0].update.datastore = {};
        const issues = issuesOf(() => validateConfig(raw));
        for (const key of ['update.job.environmentId', 'update.endpoint', 'update.datastore.container']) {
            assert.ok(
                issues.some((i) => i.startsWith(`targets[0].${key}: `)),
                `${key} in ${issues.join(' | ')}`,
            );
        }
    });

    it('names an unknown live-metrics kind', () => {
        const raw = azuremlRaw({ liveMetrics: { kind: 'nope' } });
        const issues = issuesOf(() => validateConfig(raw));
        assert.ok(
            issues.some((i) => i.startsWith("targets[0].update.liveMetrics.kind: unknown live-metrics kind 'nope'")),
            issues.join(' | '),
        );
    });

    it("accepts the README's Azure ML v2 update block as it is", () => {
        const m = /```json\n"update": (\{[\s\S]*?\n\})\n```/.exec(readFileSync(README, 'utf8'));
        assert.ok(m, 'the README shows an azureml update block');
        const update = JSON.parse(m[1]) as Record<string, unknown>;
        const c = validateConfig(azuremlRaw(update));
        assert.equal(c.targets[0].update.kind, 'azureml');
        assert.deepEqual(targetPlan(c.targets[0]).rollout?.stepsInPercent, [10, 50, 100]);
    });
});
