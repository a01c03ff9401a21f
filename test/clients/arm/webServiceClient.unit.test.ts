import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import type { ArmWebService } from '../../../src/clients/arm/types';
import { WebServiceClient } from '../../../src/clients/arm/webServiceClient';
import { isMlServiceError } from '../../../src/clients/errors';
import type { OutgoingRequest } from '../../../src/clients/options';
import { validateArmWebService } from '../../../src/local/studio/arm/schema';
import { EmulatorCredential } from '../../../src/local/studio/emulatorCredential';
import { ScriptedServer } from '../scriptedServer';

const MODEL = 'Churn Model [trained model]';
const definition = (uri: string): unknown => ({
    id: '/subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/ws1',
    name: 'ws1',
    type: 'Microsoft.MachineLearning/webServices',
    location: 'West US',
    properties: {
        packageType: 'Graph',
        provisioningState: 'Succeeded',
        createdOn: '2024-01-01T00:00:00Z',
        modifiedOn: '2024-01-01T00:00:00Z',
        swaggerLocation: 'https://x/swagger.json',
        storageAccount: { name: 'acct' },
        assets: {
            asset1: { name: 'Score Model', type: 'Module', locationInfo: { uri: 'aml://module/score' } },
            asset2: { name: MODEL, type: 'Resource', locationInfo: { uri } },
        },
        package: { nodes: { node1: { assetId: 'asset1' } }, edges: [], graphParameters: {} },
    },
});

/** Exercises the ARM client's request sequence against scripted replies; the emulator contract test covers real behaviour. */
describe('WebServiceClient (scripted)', () => {
    let server: ScriptedServer;
    before(async () => {
        server = await ScriptedServer.start();
    });
    after(() => server.close());

    function client(requests: OutgoingRequest[] = []): WebServiceClient {
        return new WebServiceClient(server.url, 'sub', 'rg', new EmulatorCredential('arm-secret-xyz'), {
            onRequest: (r) => requests.push(r),
            logger: { error() {}, warning() {}, info() {}, verbose() {} },
        });
    }

    it('GETs, PUTs a spec-valid body with the swapped uri, follows the operation, confirms', async () => {
        const op = `${server.url}/subscriptions/sub/providers/Microsoft.MachineLearning/locations/westus/operationsStatus/op1?api-version=2017-01-01`;
        server.script(
            { status: 200, body: definition('https://a/old.ilearner') },
            {
                status: 200,
                body: { properties: { provisioningState: 'Provisioning' } },
                headers: { 'azure-asyncoperation': op },
            },
            { status: 200, body: { provisioningState: 'InProgress' } },
            { status: 200, body: { provisioningState: 'Succeeded' } },
            { status: 200, body: definition('https://a/new.ilearner') },
        );
        const sent: OutgoingRequest[] = [];
        const poller = await client(sent).beginUpdateTrainedModel('ws1', MODEL, 'https://a/new.ilearner', {
            updateIntervalInMs: 10,
        });
        assert.equal(poller.isDone(), false);
        const result = await poller.pollUntilDone();
        assert.deepEqual(result, {
            webServiceName: 'ws1',
            previousUri: 'https://a/old.ilearner',
            newUri: 'https://a/new.ilearner',
            updated: true,
        });
        assert.deepEqual(
            server.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
            [
                'GET /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/ws1',
                'PUT /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/ws1',
                'GET /subscriptions/sub/providers/Microsoft.MachineLearning/locations/westus/operationsStatus/op1',
                'GET /subscriptions/sub/providers/Microsoft.MachineLearning/locations/westus/operationsStatus/op1',
                'GET /subscriptions/sub/resourceGroups/rg/providers/Microsoft.MachineLearning/webServices/ws1',
            ],
        );
        assert.match(server.requests[0]?.url ?? '', /api-version=2017-01-01/);
        assert.match(String(server.requests[0]?.headers.authorization), /^Bearer studio\.\d+\./);
        const put = sent.find((r) => r.method === 'PUT');
        assert.deepEqual(validateArmWebService(put?.body, 'request'), []);
        const body = put?.body as ArmWebService;
        assert.equal(body.properties.assets?.asset2?.locationInfo.uri, 'https://a/new.ilearner');
        assert.ok(!('provisioningState' in body.properties));
        assert.equal(put?.headers.Authorization, 'Bearer REDACTED');
    });

    it('sends nothing when the model is already in place (idempotent retry)', async () => {
        server.script({ status: 200, body: definition('https://a/new.ilearner') });
        const poller = await client().beginUpdateTrainedModel('ws1', MODEL, 'https://a/new.ilearner');
        assert.equal(poller.isDone(), true);
        assert.equal((await poller.pollUntilDone()).updated, false);
        assert.deepEqual(
            server.requests.map((r) => r.method),
            ['GET'],
            'the definition read is the read-back',
        );
    });

    it('fails with a clear error when the asset is absent, before any PUT', async () => {
        server.script({ status: 200, body: definition('https://a/old.ilearner') });
        await assert.rejects(
            client().beginUpdateTrainedModel('ws1', 'Nope [trained model]', 'https://a/x'),
            (e: unknown) => {
                return isMlServiceError(e) && e.code === 'TrainedModelAssetNotFound' && e.message.includes(MODEL);
            },
        );
        assert.equal(server.requests.length, 1);
    });

    it('stops at its deadline while the operation stays in progress', async () => {
        // Its own server: a status read cut off by the deadline may still arrive after the test.
        const own = await ScriptedServer.start();
        try {
            own.script(
                { status: 200, body: definition('https://a/old.ilearner') },
                { status: 202, headers: { 'azure-asyncoperation': `${own.url}/ops/op2` } },
                ...Array.from({ length: 20 }, () => ({ status: 200, body: { provisioningState: 'Provisioning' } })),
            );
            const c = new WebServiceClient(own.url, 'sub', 'rg', new EmulatorCredential('arm-secret-xyz'), {
                logger: { error() {}, warning() {}, info() {}, verbose() {} },
            });
            const poller = await c.beginUpdateTrainedModel('ws1', MODEL, 'https://a/new.ilearner', {
                updateIntervalInMs: 50,
            });
            await assert.rejects(poller.pollUntilDone({ abortSignal: AbortSignal.timeout(300) }), (e: unknown) => {
                return isMlServiceError(e) && e.code === 'DeadlineExceeded' && e.transient;
            });
            assert.ok(own.requests.filter((r) => r.url === '/ops/op2').length >= 1, 'the operation was polled');
            assert.equal(own.requests.filter((r) => r.method === 'GET' && r.url.includes('/webServices/')).length, 1);
            assert.equal(poller.isDone(), false, 'still running: stopping the wait does not undo the update');
        } finally {
            await own.close();
        }
    });

    it('resumes from serialized state and reports a failed operation with its errorInfo', async () => {
        const op = `${server.url}/ops/op3`;
        server.script(
            { status: 200, body: definition('https://a/old.ilearner') },
            { status: 202, headers: { 'azure-asyncoperation': op } },
            {
                status: 200,
                body: {
                    provisioningState: 'Failed',
                    errorInfo: { code: 'ModelUnreadable', message: 'cannot read https://a/new.ilearner' },
                },
            },
        );
        const c = client();
        const state = (await c.beginUpdateTrainedModel('ws1', MODEL, 'https://a/new.ilearner')).toString();
        const resumed = await c.resumeUpdateTrainedModel(state);
        assert.equal(resumed.getOperationState().webServiceName, 'ws1');
        await assert.rejects(resumed.pollUntilDone(), (e: unknown) => {
            return isMlServiceError(e) && e.code === 'ModelUnreadable' && /cannot read/.test(e.message);
        });
    });

    it('never sends its token to an operation URL on another host', async () => {
        await assert.rejects(client().getOperationStatus('https://evil.example/ops/1'), (e: unknown) => {
            return isMlServiceError(e) && e.code === 'UntrustedOperationUrl';
        });
    });
});
