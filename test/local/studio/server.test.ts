import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { BlobSASPermissions } from '@azure/storage-blob';

import { classificationCsv, toText } from '../../../src/local/samples';
import { eventually, uniqueName } from '../../helpers/environment';
import {
    ARM_PATH,
    ARM_SERVICE_ID,
    AnyJson,
    KEYS,
    Kit,
    SUB,
    TRAINED_MODEL,
    WS,
    armToken,
    blobUrl,
    column,
    scoringRows,
    startKit,
} from './kit';

const ENDPOINTS = `/workspaces/${WS}/webservices/churn-predictive/endpoints`;
type Rows = { ColumnNames: string[]; Values: string[][] };

async function score(kit: Kit, servicePath: string, key: string, rows: Rows) {
    return kit.call('POST', `${servicePath}/execute?api-version=2.0&details=true`, {
        key,
        body: { Inputs: { input1: rows }, GlobalParameters: {} },
    });
}
const RETRAINED = `/workspaces/${WS}/services/churn-retrained`;
const ARM_RRS = `/subscriptions/${SUB}/services/${ARM_SERVICE_ID}`;

async function armBind(kit: Kit, uri: string): Promise<string> {
    const current = (await kit.call('GET', `${ARM_PATH}?api-version=2017-01-01`, { key: armToken() })).body;
    for (const a of Object.values<AnyJson>(current.properties.assets)) {
        if (a.name === TRAINED_MODEL) a.locationInfo.uri = uri;
    }
    const put = await kit.call('PUT', `${ARM_PATH}?api-version=2017-01-01`, { key: armToken(), body: current });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const op = put.headers.get('azure-asyncoperation')!.slice(kit.url.length);
    return eventually(
        async () => {
            const s = await kit.call('GET', op, { key: armToken() });
            return s.body.provisioningState !== 'Provisioning' ? (s.body.provisioningState as string) : undefined;
        },
        'the ARM operation to end',
        30_000,
        25,
    );
}

describe('studio server restart on the same state folder', () => {
    let stateDir: string;
    let kit: Kit | undefined;

    before(async () => {
        stateDir = await mkdtemp(path.join(tmpdir(), 'studio-state-'));
    });
    after(async () => {
        await kit?.close();
        await rm(stateDir, { recursive: true, force: true });
    });

    it('keeps patched endpoints, ARM models, added endpoints and jobs; re-runs a job cut off mid-run', async () => {
        const containerName = uniqueName('restart');
        const rows = await scoringRows();
        kit = await startKit({ stateDir, containerName });
        const signal = await kit.upload('data/signal.csv', await toText(classificationCsv({ rows: 2000, seed: 61 })));
        const shuffled = await kit.upload(
            'data/shuffled.csv',
            await toText(classificationCsv({ rows: 2000, seed: 62, shuffleLabels: true })),
        );
        const finished = await kit.runJob(signal);
        assert.equal(finished.status.body.StatusCode, 'Finished');
        const other = await kit.runJob(shuffled);
        assert.equal(other.status.body.StatusCode, 'Finished');

        // A classic endpoint patched to the signal model, the ARM service bound to the shuffled one.
        const model = finished.status.body.Results.output1;
        const patched = await kit.call('PATCH', `${ENDPOINTS}/retrained`, {
            key: KEYS.workspace,
            body: { Resources: [{ Name: TRAINED_MODEL, Location: model }] },
        });
        assert.equal(patched.status, 204, JSON.stringify(patched.body));
        const retrainedBefore = column(
            (await score(kit, RETRAINED, KEYS.retrainedPrimary, rows)).body,
            'Scored Probabilities',
        );
        assert.equal(await armBind(kit, blobUrl(other.status.body.Results.output1)), 'Succeeded');
        const armBefore = column((await score(kit, ARM_RRS, KEYS.armPrimary, rows)).body, 'Scored Probabilities');
        assert.notDeepEqual(armBefore, retrainedBefore);
        const added = await kit.call('PUT', `${ENDPOINTS}/extra`, { key: KEYS.workspace, body: {} });
        assert.equal(added.status, 200);

        // One job never started, one cut off while Running.
        const idle = await kit.submit(signal);
        kit.studio.faults.set('churn-training', { jobDurationInMs: 60_000 });
        const cut = await kit.submit(signal);
        await kit.call('POST', `${kit.besBase()}/jobs/${cut.jobId}/start?api-version=2.0`, { key: KEYS.training });
        const running = await kit.call('GET', `${kit.besBase()}/jobs/${cut.jobId}?api-version=2.0`, {
            key: KEYS.training,
        });
        assert.equal(running.body.StatusCode, 'Running');
        const closing = Date.now();
        await kit.close();
        assert.ok(Date.now() - closing < 5000, 'close does not wait for the job');
        kit = undefined;

        kit = await startKit({ stateDir, containerName });
        assert.deepEqual(
            column((await score(kit, RETRAINED, KEYS.retrainedPrimary, rows)).body, 'Scored Probabilities'),
            retrainedBefore,
        );
        assert.deepEqual(
            column((await score(kit, ARM_RRS, KEYS.armPrimary, rows)).body, 'Scored Probabilities'),
            armBefore,
        );
        const ep = await kit.call('GET', `${ENDPOINTS}/retrained`, { key: KEYS.workspace });
        assert.equal(ep.body.Resources[0].Location.RelativeLocation, model.RelativeLocation);
        assert.equal(ep.body.ApiLocation, `${kit.url}${RETRAINED}`);
        const extra = await kit.call('GET', `${ENDPOINTS}/extra`, { key: KEYS.workspace });
        assert.equal(extra.status, 200);
        assert.equal(extra.body.PrimaryKey, added.body.PrimaryKey);
        // The default endpoint still has no model.
        assert.equal(
            (await score(kit, `/workspaces/${WS}/services/churn-default`, KEYS.defaultPrimary, rows)).status,
            400,
        );

        // The finished job is still readable, with a fresh SAS that reads its model.
        const status = await kit.call('GET', `${kit.besBase()}/jobs/${finished.jobId}?api-version=2.0`, {
            key: KEYS.training,
        });
        assert.equal(status.body.StatusCode, 'Finished');
        const read = await fetch(blobUrl(status.body.Results.output1));
        assert.equal(read.status, 200);
        assert.equal(
            (await kit.call('GET', `${kit.besBase()}/jobs/${idle.jobId}?api-version=2.0`, { key: KEYS.training })).body
                .StatusCode,
            'NotStarted',
        );
        // The job cut off mid-run runs again from the start (no fault on this server) and finishes.
        const rerun = await kit.waitJob(cut.jobId);
        assert.equal(rerun.body.StatusCode, 'Finished', JSON.stringify(rerun.body));
        assert.ok(await kit.container.getBlockBlobClient(`${cut.run}/model.ilearner`).exists());
    });
});

describe('studio logs never carry secrets', () => {
    let kit: Kit;
    before(async () => {
        kit = await startKit();
    });
    after(() => kit?.close());

    it('keys, tokens, the account key and SAS signatures stay out of every log line', async () => {
        const secrets = new Set<string>(Object.values(KEYS));
        const accountKey = /AccountKey=([^;]+)/.exec(kit.storage.connectionString)![1];
        secrets.add(accountKey);
        const addSas = (sas: string) => {
            const sig = new URLSearchParams(sas.replace(/^\?/, '')).get('sig');
            assert.ok(sig);
            secrets.add(sig);
            secrets.add(encodeURIComponent(sig));
        };
        const rows = await scoringRows(5);
        const input = await kit.upload('data/signal.csv', await toText(classificationCsv({ rows: 1000, seed: 71 })));

        // A job through the connection string; its Results SAS.
        const job = await kit.runJob(input);
        assert.equal(job.status.body.StatusCode, 'Finished');
        for (const r of Object.values<AnyJson>(job.status.body.Results)) addSas(r.SasBlobToken);

        // A job whose input and outputs are SAS references.
        const sasFor = async (blob: string, permissions: string) => {
            const url = await kit.container.getBlockBlobClient(blob).generateSasUrl({
                permissions: BlobSASPermissions.parse(permissions),
                expiresOn: new Date(Date.now() + 3_600_000),
            });
            const sas = `?${url.split('?')[1]}`;
            addSas(sas);
            return sas;
        };
        const base = job.status.body.Results.output1.BaseLocation as string;
        const c = kit.container.containerName;
        const sasRef = async (blob: string, permissions: string) => ({
            BaseLocation: base,
            RelativeLocation: `${c}/${blob}`,
            SasBlobToken: await sasFor(blob, permissions),
        });
        const bySas = async (inputRef: AnyJson): Promise<AnyJson> => {
            const submit = await kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
                key: KEYS.training,
                body: {
                    Inputs: { input1: inputRef },
                    Outputs: {
                        output1: await sasRef('sas/model.ilearner', 'rcw'),
                        output2: await sasRef('sas/evaluation.csv', 'rcw'),
                    },
                },
            });
            assert.equal(submit.status, 200, JSON.stringify(submit.body));
            await kit.call('POST', `${kit.besBase()}/jobs/${submit.body}/start?api-version=2.0`, {
                key: KEYS.training,
            });
            return (await kit.waitJob(submit.body as string)).body;
        };
        const sasJob = await bySas(await sasRef('data/signal.csv', 'r'));
        assert.equal(sasJob.StatusCode, 'Finished', JSON.stringify(sasJob));
        const tamperedInput = await sasRef('data/signal.csv', 'r');
        tamperedInput.SasBlobToken = tamperedInput.SasBlobToken.replace(/sig=[^&]+/, 'sig=QUFBQQ%3D%3D');
        const denied = await bySas(tamperedInput);
        assert.equal(denied.StatusCode, 'Failed');
        assert.match(denied.Details, /denied/);

        // A job with a wrong account key in its connection string.
        const wrongKey = Buffer.from('not-the-account-key-but-secret').toString('base64');
        secrets.add(wrongKey);
        const wrongConn = kit.storage.connectionString.replace(accountKey, wrongKey);
        const wrong = await kit.call('POST', `${kit.besBase()}/jobs?api-version=2.0`, {
            key: KEYS.training,
            body: { Inputs: { input1: { ConnectionString: wrongConn, RelativeLocation: input } } },
        });
        await kit.call('POST', `${kit.besBase()}/jobs/${wrong.body}/start?api-version=2.0`, { key: KEYS.training });
        const wrongEnd = (await kit.waitJob(wrong.body as string)).body;
        assert.equal(wrongEnd.StatusCode, 'Failed');

        // Classic PATCH with a SAS, good and tampered; RRS; ARM with a SAS uri, good and missing.
        const model = job.status.body.Results.output1;
        await kit.call('PATCH', `${ENDPOINTS}/retrained`, {
            key: KEYS.workspace,
            body: { Resources: [{ Name: TRAINED_MODEL, Location: model }] },
        });
        await kit.call('PATCH', `${ENDPOINTS}/retrained`, {
            key: KEYS.workspace,
            body: {
                Resources: [
                    {
                        Name: TRAINED_MODEL,
                        Location: { ...model, SasBlobToken: String(model.SasBlobToken).replace('sp=r', 'sp=rw') },
                    },
                ],
            },
        });
        assert.equal((await score(kit, RETRAINED, KEYS.retrainedPrimary, rows)).status, 200);
        assert.equal(await armBind(kit, blobUrl(model)), 'Succeeded');
        assert.equal(await armBind(kit, blobUrl({ ...model, RelativeLocation: `${c}/nowhere.ilearner` })), 'Failed');
        assert.equal((await score(kit, ARM_RRS, KEYS.armPrimary, rows)).status, 200);
        await kit.call('GET', `${ARM_PATH}/listKeys?api-version=2017-01-01`, { key: armToken() });

        // Wrong credentials everywhere, a secret in a query string, admin calls.
        await kit.call('GET', `${kit.besBase()}/jobs/x?api-version=2.0&key=${KEYS.training}`, {
            key: KEYS.defaultPrimary,
        });
        await score(kit, RETRAINED, KEYS.training, rows);
        await kit.call('GET', ENDPOINTS, { key: KEYS.retrainedPrimary });
        await kit.call('GET', `${ARM_PATH}?api-version=2017-01-01`, { key: armToken(KEYS.admin) });
        await kit.call('PUT', '/_studio/faults/churn-training', {
            headers: { 'x-studio-admin-key': KEYS.admin },
            body: {
                http: [{ operation: 'execute', status: 429, times: 1 }],
                jobFailure: `boom ${KEYS.workspace.length}`,
            },
        });
        await kit.call('GET', '/_studio/stats', { headers: { 'x-studio-admin-key': KEYS.armSecret } });

        assert.ok(kit.logs.length > 20, `${kit.logs.length} log lines`);
        assert.ok(
            kit.logs.some((l) => /failed/.test(l)),
            'failures are logged',
        );
        for (const line of kit.logs) {
            for (const secret of secrets) assert.ok(!line.includes(secret), `a secret leaked into the log: ${line}`);
            assert.ok(!/sig=(?!REDACTED)/i.test(line), `a SAS signature leaked: ${line}`);
            assert.ok(!/AccountKey=(?!REDACTED)/i.test(line), `an account key leaked: ${line}`);
        }
        // Job details are client-visible: no secrets there either.
        for (const details of [denied.Details, wrongEnd.Details]) {
            for (const secret of secrets) assert.ok(!String(details).includes(secret), String(details));
        }
    });
});
